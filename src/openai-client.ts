import type OpenAI from 'openai';
import type { ClientOptions } from 'openai';

/**
 * An OpenAI SDK client made on first use: a process that never calls an OpenAI-compatible
 * endpoint never loads the SDK.
 */
export function lazyOpenAI(options: ClientOptions): () => Promise<OpenAI> {
  let client: Promise<OpenAI> | undefined;
  return () => (client ??= import('openai').then(({ default: SDK }) => new SDK(options)));
}
