import { overBudget } from '../budget.ts';
import { briefOf } from '../brief.ts';
import type { AgentDeps } from '../deps.ts';
import type { ChatMessage, ChatModel } from '../model.ts';
import { plan } from '../planner.ts';
import { promptLabel, type Prompt } from '../prompts.ts';
import { ModelAnswer } from '../schema.ts';
import type { State } from '../state.ts';
import { toolSpecs } from '../tools.ts';
import type { Node, NodeResult } from './node.ts';

/** The planner's diagnosis, when there is no model or the model's answer cannot be used; `extra` tells what the model did first. */
function byPlanner(s: State, fallback: string | null, extra: Partial<NodeResult> = {}): NodeResult {
  if (!s.facts) throw new Error('diagnose before gather');
  const p = plan(s.facts, s.options);
  return {
    ...extra,
    update: { ...extra.update, diagnosis: { hypotheses: p.hypotheses, by: 'planner', fallback }, modelProposal: null, stop: null },
    record: {
      by: 'planner', prompt: extra.record?.prompt ?? null, inputs: extra.record?.inputs ?? { facts: 'gathered' }, toolCalls: [],
      outputs: { ...extra.record?.outputs, hypotheses: p.hypotheses, fallback }, tokens: extra.record?.tokens ?? null,
    },
  };
}

/** The model's answer parsed, also when it is wrapped in a code fence; or what is wrong with it. */
function parseAnswer(content: string): { ok: true; answer: ModelAnswer } | { ok: false; issues: string } {
  const text = content.trim().replace(/^```(?:json)?\s*/i, '').replace(/\s*```$/, '');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, issues: '(answer): is not JSON' };
  }
  const parsed = ModelAnswer.safeParse(json);
  return parsed.success ? { ok: true, answer: parsed.data } : { ok: false, issues: parsed.error.issues.map((i) => `${i.path.join('.') || '(answer)'}: ${i.message}`).join('; ') };
}

/**
 * Diagnoses: with no model, the planner does, at once. With a model, one call per visit: it asks
 * for read tools (the tools step runs them, then it comes back here), or answers. An answer that
 * does not parse is sent back once with what was wrong; a second one, or an error, and the
 * planner decides — recorded either way.
 */
export const diagnose: Node = async (deps, s) => {
  const model = deps.agent.model;
  const prompt = deps.agent.prompts.get(s.agent);
  if (!model || !prompt) return byPlanner(s, model ? `no prompt "${s.agent}"` : null);
  return askModel(deps, s, model, prompt);
};

async function askModel(deps: AgentDeps, s: State, model: ChatModel, prompt: Prompt): Promise<NodeResult> {
  if (!s.facts || !s.budget) throw new Error('diagnose before gather');
  const seed: ChatMessage[] = s.messages.length ? [] : [{ role: 'system', content: prompt.text }, { role: 'user', content: briefOf(s.facts, s.options, s.boundary) }];
  const messages = [...s.messages, ...seed];
  const elapsed = deps.clock().getTime() - s.startedAt;
  const timeoutMs = Math.min(deps.config.agent.modelTimeoutMs, s.budget.wallMs - elapsed);
  const record = { by: model.name, prompt: promptLabel(prompt), inputs: { messages: messages.length, tools: toolSpecs('tools').map((t) => t.name) }, toolCalls: [] };
  if (timeoutMs <= 0) return byPlanner(s, 'no wall time left for a model call', { update: { messages: seed } });
  const reply = await model.complete({ messages, tools: toolSpecs('tools'), timeoutMs });
  if (reply.kind === 'error') return byPlanner(s, `model error: ${reply.detail}`, { update: { messages: seed }, cost: { steps: 1, modelCalls: 1 }, record: { ...record, outputs: { model: model.name, error: reply.detail }, tokens: null } });
  const cost = { steps: 1, modelCalls: 1, tokens: reply.usage.prompt + reply.usage.completion };
  const used = { ...s.used, steps: s.used.steps + 1, tokens: s.used.tokens + cost.tokens, modelCalls: s.used.modelCalls + 1 };
  const elapsedAfter = deps.clock().getTime() - s.startedAt;
  const said: ChatMessage = { role: 'assistant', content: reply.content, tool_calls: reply.toolCalls };
  const tokens = reply.usage;
  if (reply.toolCalls.length) {
    const stop = overBudget(s.budget, used, elapsedAfter, reply.toolCalls.length);
    return { update: { messages: [...seed, said], stop }, cost, record: { ...record, outputs: { asked_for: reply.toolCalls.map((c) => c.name), stop }, tokens } };
  }
  const parsed = parseAnswer(reply.content ?? '');
  if (parsed.ok) {
    const a = parsed.answer;
    return {
      update: { messages: [...seed, said], diagnosis: { hypotheses: a.hypotheses, by: model.name, fallback: null }, modelProposal: a.proposal, stop: null },
      cost, record: { ...record, outputs: { hypotheses: a.hypotheses, proposal: a.proposal }, tokens },
    };
  }
  const { issues } = parsed;
  if (s.used.malformed === 0) {
    const again: ChatMessage = { role: 'user', content: `Your answer does not match the required JSON (${issues}). Answer again with that JSON only.` };
    const stop = overBudget(s.budget, used, elapsedAfter);
    return { update: { messages: [...seed, said, again], stop }, cost: { ...cost, malformed: 1 }, record: { ...record, outputs: { malformed: issues, retry: true, stop }, tokens } };
  }
  return byPlanner(s, `malformed answer twice (${issues})`, { update: { messages: [...seed, said] }, cost: { ...cost, malformed: 1 }, record: { ...record, outputs: { model: model.name, malformed: issues, retry: false }, tokens } });
}
