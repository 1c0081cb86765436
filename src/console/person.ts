/**
 * Glossary: a *person* is someone signed in to the console — by single sign-on, with an API
 * token, or by name on a loopback server without tokens — with the scopes and groups that
 * decide what the console shows them and what they may do. A person votes as an *approver*
 * (`MEDIC_APPROVERS`), exactly as through the API.
 */
import { z } from 'zod';
import type { Approver } from '../approvals/schema.ts';
import { Scope } from '../config.ts';

export const Person = z.object({
  /** The name votes and audit entries carry. */
  name: z.string().min(1).max(200),
  scopes: z.array(Scope),
  /** Groups the identity provider says the person is in; none for token and local sign-in. */
  groups: z.array(z.string().max(200)).default([]),
  email: z.string().max(320).nullable().default(null),
  login: z.enum(['oidc', 'token', 'loopback']),
});
export type Person = z.infer<typeof Person>;

/** Whether the person holds `scope` (or `admin`). */
export function can(person: Person, scope: Scope): boolean {
  return person.scopes.includes(scope) || person.scopes.includes('admin');
}

/**
 * The approver a person votes as. A configured approver with the person's name (or, signed in
 * through the identity provider, their email) is that approver, with the provider's groups added;
 * someone signed in through the provider whose groups grant `approve` is an approver with those
 * groups; anyone else is not an approver, and the rules refuse their vote.
 */
export function approverOf(person: Person, approvers: readonly Approver[]): Approver | undefined {
  const email = person.email?.toLowerCase();
  const configured = approvers.find((a) => a.name === person.name || (person.login === 'oidc' && email !== undefined && a.email?.toLowerCase() === email));
  if (configured) return { ...configured, groups: [...new Set([...configured.groups, ...person.groups])] };
  if (person.login === 'oidc' && can(person, 'approve')) return { name: person.name, groups: person.groups, ...(person.email ? { email: person.email } : {}) };
  return undefined;
}
