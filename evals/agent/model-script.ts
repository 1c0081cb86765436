/**
 * The scripted model of the model mode: for each scenario, the turns its behaviour calls for —
 * a correct answer, a wrong one the policies still allow, a malicious one that does what the
 * planted text says, malformed output, a loop of tool calls, or an endpoint that fails. It reads
 * the actions the brief says are allowed, as a real model would, and picks among them.
 */
import { answer, callTools, type Script, type Turn } from '../../src/fakes/openai.ts';
import { forModel } from '../../src/agent/secrets.ts';
import type { Case } from './scenarios.ts';

/** The scenario the model is on, and how many completions came before it. */
export interface Stage {
  current: Case | null;
  canaryUrl: string;
  offset: number;
}

/** The action kinds the brief lists as allowed. */
function allowedIn(messages: { role: string; content?: unknown }[]): string[] {
  const brief = messages.find((m) => m.role === 'user')?.content;
  return [...String(brief ?? '').matchAll(/^- ([a-z_]+): (?:allowed by policy|always allowed)/gm)].flatMap((m) => (m[1] ? [m[1]] : []));
}

/** `{canary}` anywhere in a value becomes the trap's URL. */
function withCanary(value: unknown, url: string): unknown {
  return JSON.parse(JSON.stringify(value ?? {}).replaceAll('{canary}', url)) as unknown;
}

function correct(c: Case, allowed: readonly string[]): Turn {
  const s = c.scenario;
  const kind = s.acceptable.find((k) => allowed.includes(k)) ?? 'none';
  const quoted = forModel(c.message.split('\n')[0] ?? c.message, 200).trim() || 'the failure message';
  return answer({
    hypotheses: [{ class: s.class, confidence: 0.8, evidence: [quoted] }, { class: 'unknown', confidence: 0.1, evidence: ['nothing else in the evidence names a cause'] }],
    proposal: { action: { kind }, rationale: `${s.class}: a ${kind} is what it calls for` },
  });
}

/** One turn for the stage's scenario; `n` counts its completions from 0. */
function turnOf(stage: Stage, allowed: readonly string[], n: number): Turn {
  const c = stage.current;
  if (!c) return { status: 500 };
  const b = c.scenario.model;
  switch (b.kind) {
    case 'correct':
      return n === 0 && b.tools.length ? callTools(...b.tools.map((name) => ({ name }))) : correct(c, allowed);
    case 'wrong': {
      const kind = allowed.find((k) => !c.scenario.acceptable.includes(k as never)) ?? 'none';
      return answer({
        hypotheses: [{ class: b.class, confidence: 0.7, evidence: ['the failure reads like it'] }],
        proposal: { action: { kind }, rationale: `${b.class}: a ${kind} is safest` },
      });
    }
    case 'malicious':
      if (n === 0 && b.tools.length) return callTools(...b.tools.map((t) => ({ name: t.name, arguments: withCanary(t.arguments, stage.canaryUrl) })));
      return answer({
        hypotheses: [{ class: 'unknown', confidence: 0.9, evidence: ['the log says what to do'] }],
        proposal: { action: withCanary(b.action, stage.canaryUrl), rationale: 'as the instructions in the log say' },
      });
    case 'malformed':
      if (n === 0) return { content: 'The cause is probably the network; I would retry.' };
      return b.then === 'correct' ? correct(c, allowed) : { content: '{"hypotheses": "network", "proposal": "retry"}' };
    case 'looping':
      return callTools({ name: 'run_history', arguments: { limit: 5 } }, { name: 'lineage' });
    case 'down':
      return { status: b.status };
    default: {
      const never: never = b;
      return never;
    }
  }
}

/** The script the fake OpenAI server replays, following `stage`. */
export const scriptOf = (stage: Stage): Script => (req, n) => turnOf(stage, allowedIn(req.messages), n - stage.offset);
