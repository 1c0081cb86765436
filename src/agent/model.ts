/**
 * The language model behind the agent: any OpenAI-compatible chat endpoint through the `openai`
 * SDK (`OPENAI_BASE_URL` may be a local server). The reply is parsed by zod like any other edge;
 * a failed call is a value, so the graph falls back to the deterministic planner.
 */
import type OpenAI from 'openai';
import { lazyOpenAI } from '../openai-client.ts';
import { z } from 'zod';

/** One message of the conversation, as the agent's state keeps it. */
export const ChatMessage = z.discriminatedUnion('role', [
  z.strictObject({ role: z.literal('system'), content: z.string() }),
  z.strictObject({ role: z.literal('user'), content: z.string() }),
  z.strictObject({
    role: z.literal('assistant'),
    content: z.string().nullable(),
    tool_calls: z.array(z.strictObject({ id: z.string(), name: z.string(), arguments: z.string() })).default([]),
  }),
  z.strictObject({ role: z.literal('tool'), tool_call_id: z.string(), content: z.string() }),
]);
export type ChatMessage = z.infer<typeof ChatMessage>;

export type ToolCall = { id: string; name: string; arguments: string };

/** A tool as the model is told about it. */
export interface ToolSpec {
  name: string;
  description: string;
  parameters: Record<string, unknown>;
}

export type ModelReply =
  | { kind: 'reply'; content: string | null; toolCalls: ToolCall[]; usage: { prompt: number; completion: number } }
  | { kind: 'error'; detail: string };

/** A chat model: one completion per call, no retries of its own (the graph decides what a failure means). */
export interface ChatModel {
  readonly name: string;
  complete(req: { messages: readonly ChatMessage[]; tools: readonly ToolSpec[]; timeoutMs: number }): Promise<ModelReply>;
}

// What the agent reads of a completion; the rest of the body is the server's business.
const Completion = z.object({
  choices: z.array(z.object({
    message: z.object({
      content: z.string().nullable().optional(),
      tool_calls: z.array(z.object({ id: z.string(), function: z.object({ name: z.string(), arguments: z.string() }) })).nullable().optional(),
    }),
  })).min(1),
  usage: z.object({ prompt_tokens: z.number(), completion_tokens: z.number() }).nullable().optional(),
});

const toParam = (m: ChatMessage): OpenAI.Chat.Completions.ChatCompletionMessageParam => {
  switch (m.role) {
    case 'system':
    case 'user':
      return { role: m.role, content: m.content };
    case 'assistant':
      return {
        role: 'assistant', content: m.content,
        ...(m.tool_calls.length ? { tool_calls: m.tool_calls.map((c) => ({ id: c.id, type: 'function' as const, function: { name: c.name, arguments: c.arguments } })) } : {}),
      };
    case 'tool':
      return { role: 'tool', tool_call_id: m.tool_call_id, content: m.content };
    default: {
      const never: never = m;
      return never;
    }
  }
};

/** Rough token count when a server reports no usage: four characters a token. */
const estimate = (text: string) => Math.ceil(text.length / 4);

export interface OpenAIChatOptions {
  baseURL: string | undefined;
  apiKey: string;
  model: string;
}

/** A chat model on an OpenAI-compatible endpoint. */
export function createOpenAIChatModel(options: OpenAIChatOptions): ChatModel {
  const client = lazyOpenAI({ apiKey: options.apiKey, ...(options.baseURL ? { baseURL: options.baseURL } : {}), maxRetries: 0 });
  return {
    name: options.model,
    async complete({ messages, tools, timeoutMs }) {
      try {
        const raw: unknown = await (await client()).chat.completions.create({
          model: options.model,
          messages: messages.map(toParam),
          ...(tools.length ? { tools: tools.map((t) => ({ type: 'function' as const, function: { name: t.name, description: t.description, parameters: t.parameters } })) } : {}),
          temperature: 0,
        }, { timeout: Math.max(1, Math.round(timeoutMs)) });
        const parsed = Completion.safeParse(raw);
        if (!parsed.success) return { kind: 'error', detail: `the endpoint's answer is not a chat completion: ${parsed.error.issues[0]?.message ?? ''}` };
        const message = parsed.data.choices[0]?.message;
        const content = message?.content ?? null;
        const toolCalls = (message?.tool_calls ?? []).map((c) => ({ id: c.id, name: c.function.name, arguments: c.function.arguments }));
        const usage = parsed.data.usage;
        return {
          kind: 'reply', content, toolCalls,
          usage: usage
            ? { prompt: usage.prompt_tokens, completion: usage.completion_tokens }
            : { prompt: estimate(messages.map((m) => m.content ?? '').join('')), completion: estimate(content ?? JSON.stringify(toolCalls)) },
        };
      } catch (err) {
        return { kind: 'error', detail: err instanceof Error ? `${err.name}: ${err.message}` : String(err) };
      }
    },
  };
}
