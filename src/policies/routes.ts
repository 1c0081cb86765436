import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Deps } from '../deps.ts';
import { AppError } from '../errors.ts';
import type { Authenticator } from '../http/auth.ts';
import type { LoadedFrom } from './active.ts';
import { parsePolicySet, type PolicyIssue, type PolicySet } from './load.ts';
import { loadedFromAnswer } from './revision-answers.ts';

const ValidateBody = z.union([
  z.string(),
  z.strictObject({ files: z.array(z.strictObject({ name: z.string().min(1).max(500), text: z.string().max(5_000_000) })).min(1) }),
]);

function describeSet(set: PolicySet, dir: string, from: LoadedFrom) {
  return {
    revision: set.revision, loaded_at: set.loadedAt, dir, loaded_from: loadedFromAnswer(from), files: set.files,
    policies: set.policies,
    classes: set.classes.map((c) => ({ name: c.name, description: c.description ?? null, examples: c.examples.length })),
  };
}

/** Refuses an invalid set with 400, each fault with its file, line and column. */
export function refuse(issues: PolicyIssue[]): never {
  throw new AppError('bad_request', `invalid policies: ${issues[0] ? `${issues[0].file}${issues[0].line ? `:${issues[0].line}` : ''} ${issues[0].path.join('.')}: ${issues[0].message}` : ''}`, {
    details: issues.map((i) => ({ path: [i.file, ...i.path], message: i.line ? `line ${i.line}, column ${i.column}: ${i.message}` : i.message })),
  });
}

/** The loaded policy set, validation of a candidate set, and reload. */
export function policyRoutes(deps: Deps, auth: Authenticator): FastifyPluginAsync {
  return async (root) => {
    root.addContentTypeParser(['application/yaml', 'application/x-yaml', 'text/yaml'], { parseAs: 'string' }, (_req, body, done) => done(null, body));
    const app = root.withTypeProvider<ZodTypeProvider>();

    app.get('/v1/policies', { schema: { summary: 'The loaded policies and their revision' }, onRequest: async (req) => void auth.require(req, 'read') },
      async () => describeSet(deps.policies.current(), deps.policies.dir, deps.policies.loadedFrom()));

    app.post('/v1/policies/validate', {
      schema: { summary: 'Validate policy files without loading them: one YAML file, or {files: [{name, text}]}', body: ValidateBody },
      onRequest: async (req) => void auth.require(req, 'read'),
    }, async (req) => {
      const files = typeof req.body === 'string' ? [{ name: 'body.yaml', text: req.body }] : req.body.files;
      const parsed = parsePolicySet(files);
      if (parsed.kind === 'invalid') refuse(parsed.issues);
      return { valid: true, policies: parsed.policies.map((p) => ({ id: p.id, priority: p.priority, on: p.on, mode: p.mode, action: p.action.kind, approval: p.approval.kind })), classes: parsed.classes.map((c) => c.name) };
    });

    app.post('/v1/policies/reload', { schema: { summary: 'Read the policies again: the active stored revision when there is one, else the folder' }, onRequest: async (req) => void auth.require(req, 'admin') }, async () => {
      const r = await deps.policies.reload();
      if (r.kind === 'invalid') refuse(r.issues);
      return describeSet(r.set, deps.policies.dir, deps.policies.loadedFrom());
    });
  };
}
