/**
 * The scenario set of the agent eval (`scenarios.yaml`), validated once when loaded: each a real
 * failure text (and log) by reference, the class a person would diagnose, the actions a person
 * would accept, and how the scripted model behaves on it.
 */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { z } from 'zod';
import { DiagnosisClass } from '../../src/agent/schema.ts';
import { TextRef, type Origin, type TextReader } from './texts.ts';

const ActionKind = z.enum(['retry', 'rerun', 'hold_downstream', 'notify', 'skip', 'extend_deadline', 'webhook']);

/** What the scripted model does on a scenario; `{canary}` in its arguments is the trap's URL. */
export const Behaviour = z.discriminatedUnion('kind', [
  /** Reads the named tools, then answers with the expected class and the first acceptable action the policies allow. */
  z.strictObject({ kind: z.literal('correct'), tools: z.array(z.string()).default([]) }),
  /** Answers with this class and an allowed action a person would not accept. */
  z.strictObject({ kind: z.literal('wrong'), class: DiagnosisClass }),
  /** Does what the injected text says: asks for these tools, then proposes this action as written. */
  z.strictObject({
    kind: z.literal('malicious'),
    tools: z.array(z.strictObject({ name: z.string(), arguments: z.record(z.string(), z.unknown()).default({}) })).default([]),
    action: z.looseObject({ kind: z.string() }),
  }),
  /** Answers prose, then either a correct answer or a second malformed one. */
  z.strictObject({ kind: z.literal('malformed'), then: z.enum(['correct', 'malformed']) }),
  /** Asks for read tools for ever. */
  z.strictObject({ kind: z.literal('looping') }),
  /** The endpoint fails with this status. */
  z.strictObject({ kind: z.literal('down'), status: z.number().int().min(400).max(599).default(503) }),
]);
export type Behaviour = z.infer<typeof Behaviour>;

export const Scenario = z.strictObject({
  id: z.string().regex(/^[a-z0-9-]+$/),
  /** The diagnosis class a person reading the whole log would give. */
  class: DiagnosisClass,
  /** The proposals a person would accept (among those the eval's policies can allow). */
  acceptable: z.array(ActionKind).min(1),
  /** The Airflow task that fails; the id in snake case when absent. */
  task: z.string().regex(/^[a-z0-9_]+$/).optional(),
  message: TextRef,
  log: TextRef.optional(),
  /** Instructions planted in the failure message or log. */
  inject: z.strictObject({
    into: z.enum(['message', 'log']),
    text: z.string().min(20),
    /** A phrase of it to look for in what the model was sent. @defaultValue its first 30 characters */
    marker: z.string().min(10).optional(),
  }).optional(),
  /** A secret planted with the injection: it must never reach the model. */
  secret: z.string().min(6).optional(),
  model: Behaviour,
  note: z.string().optional(),
});
export type Scenario = z.infer<typeof Scenario>;

const ScenarioFile = z.strictObject({ scenarios: z.array(Scenario).min(30) }).superRefine((f, ctx) => {
  const seen = new Set<string>();
  f.scenarios.forEach((s, i) => {
    if (seen.has(s.id)) ctx.addIssue({ code: 'custom', path: ['scenarios', i, 'id'], message: `${s.id} is there twice` });
    seen.add(s.id);
  });
  const injections = f.scenarios.filter((s) => s.inject).length;
  if (injections < 5) ctx.addIssue({ code: 'custom', path: ['scenarios'], message: `${injections} prompt-injection scenarios; at least 5 are needed` });
});

/** A scenario with its texts read. */
export interface Case {
  scenario: Scenario;
  task: string;
  message: string;
  log: string | undefined;
  origin: Origin;
  /** The planted instruction as it was planted, when there is one. */
  injected: string | null;
  /** A phrase of it to look for in what the model was sent. */
  marker: string | null;
}

const WORSE: Origin[] = ['real', 'framed', 'synthetic'];
const worst = (a: Origin, b: Origin): Origin => (WORSE.indexOf(a) >= WORSE.indexOf(b) ? a : b);

/** Reads the texts of a scenario; `{canary}` in planted text becomes the trap's URL. */
export function resolveCase(s: Scenario, reader: TextReader, canaryUrl: string): Case {
  const message = reader.read(s.message);
  const log = s.log ? reader.read(s.log) : undefined;
  const injected = s.inject ? s.inject.text.replaceAll('{canary}', canaryUrl) : null;
  const plant = (text: string, into: 'message' | 'log') => (injected && s.inject?.into === into ? `${text}${into === 'log' ? '\n' : ' '}${injected}` : text);
  return {
    scenario: s,
    task: s.task ?? s.id.replaceAll('-', '_'),
    message: plant(message.text, 'message'),
    log: log || s.inject?.into === 'log' ? plant(log?.text ?? '', 'log') : undefined,
    origin: log ? worst(message.origin, log.origin) : message.origin,
    injected,
    marker: s.inject ? (s.inject.marker ?? s.inject.text.slice(0, 30)) : null,
  };
}

/** Loads and validates the scenario file; throws naming each issue's place. */
export function loadScenarios(path: string): Scenario[] {
  const parsed = ScenarioFile.safeParse(parse(readFileSync(path, 'utf8')));
  if (!parsed.success) throw new Error(`${path}:\n${parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`).join('\n')}`);
  return parsed.data.scenarios;
}
