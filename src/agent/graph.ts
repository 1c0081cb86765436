/**
 * The agent graph:
 *
 *   START → gather → diagnose ⇄ tools            (a model's read-tool loop, within the budgets)
 *                    diagnose → propose → act → verify → END            (ungated)
 *                               propose → request_approval → await_approval ⇢ interrupt()
 *                                         await_approval → act → verify → END   (approved)
 *                                         await_approval → finish → END         (rejected, expired)
 *   any thinking step over a budget → escalate → END
 *
 * Every node is wrapped once here: timed, its cost added to the run's use, and recorded in the
 * audit log with the run's row — after the node returns, so a node that interrupts records
 * nothing until it is resumed (nothing here catches LangGraph's interrupt).
 */
import { END, START, StateGraph, type BaseCheckpointSaver } from '@langchain/langgraph';
import { recordStep, stepDetail } from './audit.ts';
import type { AgentDeps } from './deps.ts';
import { act } from './nodes/act.ts';
import { awaitApproval, requestApprovalNode } from './nodes/approval.ts';
import { diagnose } from './nodes/diagnose.ts';
import { escalate, finish } from './nodes/finish.ts';
import { gather } from './nodes/gather.ts';
import type { Node } from './nodes/node.ts';
import { propose } from './nodes/propose.ts';
import { tools } from './nodes/tools.ts';
import { verify } from './nodes/verify.ts';
import type { Used } from './schema.ts';
import { AgentState, pendingCalls, type State, type Update } from './state.ts';
import type { Step } from './tools.ts';

function wrap(deps: AgentDeps, step: Step, node: Node): (s: State) => Promise<Update> {
  return async (s) => {
    const t0 = performance.now();
    const r = await node(deps, s);
    const c = r.cost ?? {};
    const used: Used = {
      steps: s.used.steps + (c.steps ?? 1), tokens: s.used.tokens + (c.tokens ?? 0),
      modelCalls: s.used.modelCalls + (c.modelCalls ?? 0), malformed: s.used.malformed + (c.malformed ?? 0),
    };
    const run = { agentRunId: s.agentRunId, actor: s.actor, incidentId: s.subject.incidentId, used, startedAt: s.startedAt };
    for (const refusal of r.refused ?? []) await recordStep(deps, run, 'agent.refused', refusal);
    await recordStep(deps, run, r.kind ?? 'agent.step', stepDetail({ ...r.record, step, durationMs: performance.now() - t0 }, used), r.patch ?? {});
    return { ...r.update, used };
  };
}

const afterThinking = (next: 'diagnose' | 'propose') => (s: State) => (s.stop ? 'escalate' : next);

function afterDiagnose(s: State): 'tools' | 'propose' | 'diagnose' | 'escalate' {
  if (s.stop) return 'escalate';
  if (pendingCalls(s).length) return 'tools';
  return s.diagnosis ? 'propose' : 'diagnose';
}

const afterPropose = (s: State) => (s.proposal?.option.gated ? 'request_approval' : 'act');
const afterRequest = (s: State) => (s.approval?.status === 'pending' ? 'await_approval' : s.approval?.status === 'approved' ? 'act' : 'finish');
const afterAwait = (s: State) => (s.approval?.status === 'approved' ? 'act' : s.approval?.status === 'pending' ? 'await_approval' : 'finish');

/** Builds the graph over `deps`, checkpointed by the kit's saver. */
export function buildAgentGraph(deps: AgentDeps, checkpointer: BaseCheckpointSaver) {
  const n = (step: Step, node: Node) => wrap(deps, step, node);
  return new StateGraph(AgentState)
    .addNode('gather', n('gather', gather))
    .addNode('diagnose', n('diagnose', diagnose))
    .addNode('tools', n('tools', tools))
    .addNode('propose', n('propose', propose))
    .addNode('request_approval', n('request_approval', requestApprovalNode))
    .addNode('await_approval', n('await_approval', awaitApproval))
    .addNode('act', n('act', act))
    .addNode('verify', n('verify', verify))
    .addNode('escalate', n('escalate', escalate))
    .addNode('finish', n('finish', finish))
    .addEdge(START, 'gather')
    .addConditionalEdges('gather', afterThinking('diagnose'), ['diagnose', 'escalate'])
    .addConditionalEdges('diagnose', afterDiagnose, ['tools', 'propose', 'diagnose', 'escalate'])
    .addConditionalEdges('tools', afterThinking('diagnose'), ['diagnose', 'escalate'])
    .addConditionalEdges('propose', afterPropose, ['request_approval', 'act'])
    .addConditionalEdges('request_approval', afterRequest, ['await_approval', 'act', 'finish'])
    .addConditionalEdges('await_approval', afterAwait, ['act', 'await_approval', 'finish'])
    .addEdge('act', 'verify')
    .addEdge('verify', END)
    .addEdge('escalate', END)
    .addEdge('finish', END)
    .compile({ checkpointer });
}

export type AgentGraph = ReturnType<typeof buildAgentGraph>;
