/**
 * A fake OpenAI-compatible chat endpoint (`POST /v1/chat/completions`) that replays scripted
 * turns: an answer, tool calls, a failure status. It records every request, so a test can see
 * exactly what a model would have been sent. The agent's tests and its eval drive the real
 * `openai` client against it (`baseURL` = this server's `url` + `/v1`).
 */
import { startFakeServer, type FakeServer, type RecordedCall } from './server.ts';

/** One scripted turn of the model. */
export type Turn =
  | { content: string }
  | { toolCalls: { name: string; arguments: unknown }[] }
  | { status: number };

/** What the script is given: the request as received, and how many completions were asked before it. */
export type Script = (request: { messages: { role: string; content?: unknown }[]; tools: { function?: { name?: string } }[] }, n: number) => Turn;

export interface FakeOpenAI extends FakeServer {
  /** The `baseURL` to give the `openai` client. */
  baseURL: string;
  /** The chat completion requests received, in order. */
  completions(): RecordedCall[];
}

/** A turn that answers with this JSON. */
export const answer = (json: unknown): Turn => ({ content: JSON.stringify(json) });

/** A turn that asks for these tools. */
export const callTools = (...calls: { name: string; arguments?: unknown }[]): Turn => ({ toolCalls: calls.map((c) => ({ name: c.name, arguments: c.arguments ?? {} })) });

/** Replays `turns` in order, the last one again when they run out. */
export const replay = (turns: readonly Turn[]): Script => (_req, n) => turns[Math.min(n, turns.length - 1)] ?? { status: 500 };

/** Starts the fake on a loopback port. */
export async function createFakeOpenAI(script: Script): Promise<FakeOpenAI> {
  let n = 0;
  const server = await startFakeServer((call) => {
    // The models it serves: the scripted one, and an embedding model.
    if (call.method === 'GET' && call.path.endsWith('/models')) {
      return { status: 200, body: { object: 'list', data: ['scripted', 'text-embedding-3-small'].map((id) => ({ id, object: 'model', created: 1_700_000_000, owned_by: 'medic-test' })) } };
    }
    if (call.method !== 'POST' || !call.path.endsWith('/chat/completions')) return { status: 404, body: { error: { message: `no route ${call.method} ${call.path}` } } };
    const body = (call.body ?? {}) as { model?: string; messages?: { role: string; content?: unknown }[]; tools?: { function?: { name?: string } }[] };
    const turn = script({ messages: body.messages ?? [], tools: body.tools ?? [] }, n);
    n += 1;
    if ('status' in turn) return { status: turn.status, body: { error: { message: `scripted failure ${turn.status}`, type: 'server_error' } } };
    const message = 'content' in turn
      ? { role: 'assistant', content: turn.content }
      : { role: 'assistant', content: null, tool_calls: turn.toolCalls.map((c, i) => ({ id: `call_${n}_${i}`, type: 'function', function: { name: c.name, arguments: JSON.stringify(c.arguments) } })) };
    const promptTokens = Math.ceil(call.rawBody.length / 4);
    const completionTokens = Math.ceil(JSON.stringify(message).length / 4);
    return {
      status: 200,
      body: {
        id: `chatcmpl-fake-${n}`, object: 'chat.completion', created: Math.floor(Date.now() / 1000), model: body.model ?? 'scripted',
        choices: [{ index: 0, message, finish_reason: 'content' in turn ? 'stop' : 'tool_calls' }],
        usage: { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens },
      },
    };
  });
  return {
    ...server,
    baseURL: `${server.url}/v1`,
    completions: () => server.calls.filter((c) => c.path.endsWith('/chat/completions')),
  };
}
