import { overBudget } from '../budget.ts';
import type { ChatMessage } from '../model.ts';
import type { Refusal } from '../schema.ts';
import { asData } from '../secrets.ts';
import { pendingCalls } from '../state.ts';
import { callByName, type ToolRecord } from '../tools.ts';
import { guardOf, type Node } from './node.ts';

/** A model's arguments are text; anything but a JSON object is passed on as given, for the tool's schema to refuse. */
function argsOf(text: string): unknown {
  try {
    return JSON.parse(text || '{}') as unknown;
  } catch {
    return text;
  }
}

/**
 * Runs the tool calls the model asked for, each through the guard: read tools on the step's
 * allowlist run; anything else — an act, a tool that does not exist, a "mark success" — is
 * refused, recorded, and answered with the refusal so the model knows. Each call is a step.
 */
export const tools: Node = async (deps, s) => {
  const ctx = { deps, subject: s.subject };
  const records: ToolRecord[] = [];
  const answers: ChatMessage[] = [];
  for (const call of pendingCalls(s)) {
    const r = await callByName(ctx, 'tools', call.name, argsOf(call.arguments), guardOf(s));
    records.push(r.record);
    // What a tool found is as untrusted as the brief: the logs and histories in it go to the model as data.
    answers.push({ role: 'tool', tool_call_id: call.id, content: r.record.allowed ? asData(s.boundary, `result of ${call.name}`, r.text) : r.text });
  }
  const refused: Refusal[] = records.filter((r) => !r.allowed).map((r) => ({ step: 'tools', what: `tool ${r.tool}`, reason: r.detail }));
  const used = { ...s.used, steps: s.used.steps + records.length };
  const stop = s.budget ? overBudget(s.budget, used, deps.clock().getTime() - s.startedAt) : null;
  return {
    update: { messages: answers, refusals: refused, stop },
    record: { by: 'medic', prompt: null, inputs: { calls: records.length }, toolCalls: records, outputs: { refused: refused.length, stop }, tokens: null },
    cost: { steps: records.length },
    refused,
  };
};
