/**
 * The tool registry and its guard: each step of the graph may use only the tools on its
 * allowlist; read tools until a proposal is approved, and the one act tool only after. A model
 * can ask for anything; what it gets is decided here, and every refusal is recorded.
 */
import { z } from 'zod';
import type { ToolSpec } from './model.ts';
import { isReadTool, READ_TOOLS, toolText, type ReadToolData, type ReadToolName, type ToolContext } from './read-tools.ts';
import type { Proposal } from './schema.ts';

/** The nodes of the graph. */
export const STEPS = ['gather', 'diagnose', 'tools', 'propose', 'request_approval', 'await_approval', 'act', 'verify', 'escalate', 'finish'] as const;
export type Step = (typeof STEPS)[number];

export type ToolName = ReadToolName | 'act';

const READ = Object.keys(READ_TOOLS) as ReadToolName[];

/** Which tools each step may use. A model's tool calls run in `tools`: read tools only. */
export const ALLOWLIST: Readonly<Record<Step, readonly ToolName[]>> = {
  gather: READ,
  diagnose: [],
  tools: READ,
  propose: [],
  request_approval: [],
  await_approval: [],
  act: ['act'],
  verify: ['run_history'],
  escalate: [],
  finish: [],
};

export type Gate = { kind: 'allowed' } | { kind: 'refused'; reason: string };

/** What the guard needs of the run: its proposal, and the approval's verdict when it was gated. */
export interface GuardState {
  proposal: Proposal | null;
  approval: { id: number; status: string } | null;
}

/** Whether `step` may use the tool `name` now. */
export function mayUse(step: Step, name: string, state: GuardState): Gate {
  if (name !== 'act' && !isReadTool(name)) return { kind: 'refused', reason: `"${name}" is not a Medic tool` };
  if (!ALLOWLIST[step].includes(name)) return { kind: 'refused', reason: `${name} is not on the allowlist of the ${step} step (${ALLOWLIST[step].join(', ') || 'no tools'})` };
  if (name !== 'act') return { kind: 'allowed' };
  if (!state.proposal) return { kind: 'refused', reason: 'nothing was proposed' };
  if (state.proposal.option.gated && state.approval?.status !== 'approved') {
    return { kind: 'refused', reason: `read tools only until the proposal is approved (approval ${state.approval?.id ?? 'not asked'} is ${state.approval?.status ?? 'missing'})` };
  }
  return { kind: 'allowed' };
}

/** One tool call as recorded in the audit log. */
export interface ToolRecord {
  tool: string;
  args: unknown;
  allowed: boolean;
  /** The refusal, or a short account of the findings. */
  detail: string;
}

export type ReadResult<N extends ReadToolName> =
  | { kind: 'ok'; data: ReadToolData<N>; text: string; record: ToolRecord }
  | { kind: 'refused'; text: string; record: ToolRecord };

/** Calls a read tool from `step` with arguments as given (a model's are parsed here), or refuses. */
export async function callRead<N extends ReadToolName>(ctx: ToolContext, step: Step, name: N, args: unknown, state: GuardState): Promise<ReadResult<N>> {
  const refuse = (reason: string): ReadResult<N> => ({ kind: 'refused', text: `refused: ${reason}`, record: { tool: name, args, allowed: false, detail: reason } });
  const gate = mayUse(step, name, state);
  if (gate.kind === 'refused') return refuse(gate.reason);
  const tool = READ_TOOLS[name] as (typeof READ_TOOLS)[ReadToolName];
  const parsed = (tool.params as z.ZodType).safeParse(args ?? {});
  if (!parsed.success) return refuse(`bad arguments: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(arguments)'}: ${i.message}`).join('; ')}`);
  const data = (await (tool.run as (c: ToolContext, a: unknown) => Promise<unknown>)(ctx, parsed.data)) as ReadToolData<N>;
  const text = toolText(data);
  return { kind: 'ok', data, text, record: { tool: name, args: parsed.data, allowed: true, detail: `${text.length} characters` } };
}

/** A tool call a model asked for, by name: a read tool when `step` allows it, refused otherwise. */
export async function callByName(ctx: ToolContext, step: Step, name: string, args: unknown, state: GuardState): Promise<{ text: string; record: ToolRecord }> {
  if (!isReadTool(name)) {
    const gate = mayUse(step, name, state);
    const reason = gate.kind === 'refused' ? gate.reason : `${name} cannot be called by a model`;
    return { text: `refused: ${reason}`, record: { tool: name, args, allowed: false, detail: reason } };
  }
  const r = await callRead(ctx, step, name, args, state);
  return { text: r.text, record: r.record };
}

/** The tools a model is told about in `step`: the read tools on its allowlist, with JSON schemas of their arguments. */
export function toolSpecs(step: Step): ToolSpec[] {
  return ALLOWLIST[step].filter(isReadTool).map((name) => ({
    name,
    description: READ_TOOLS[name].description,
    parameters: z.toJSONSchema(READ_TOOLS[name].params as z.ZodType, { io: 'input' }) as Record<string, unknown>,
  }));
}
