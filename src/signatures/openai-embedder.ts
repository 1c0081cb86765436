import { lazyOpenAI } from '../openai-client.ts';
import type { Embedder } from './embedder.ts';

export interface OpenAIEmbedderOptions {
  baseURL: string | undefined;
  apiKey: string;
  model: string;
  dimensions: number;
  /** @defaultValue 10 000 ms */
  timeoutMs?: number;
}

/** Embeddings from any OpenAI-compatible endpoint (`OPENAI_BASE_URL` may be a local server). */
export function createOpenAIEmbedder(options: OpenAIEmbedderOptions): Embedder {
  const client = lazyOpenAI({
    apiKey: options.apiKey,
    ...(options.baseURL ? { baseURL: options.baseURL } : {}),
    timeout: options.timeoutMs ?? 10_000,
    maxRetries: 2,
  });
  return {
    id: `openai:${options.model}:${options.dimensions}`,
    dimensions: options.dimensions,
    async embed(texts) {
      if (texts.length === 0) return [];
      const res = await (await client()).embeddings.create({
        model: options.model, input: [...texts], dimensions: options.dimensions, encoding_format: 'float',
      });
      const vectors = [...res.data].sort((a, b) => a.index - b.index).map((d) => d.embedding);
      for (const v of vectors) {
        if (v.length !== options.dimensions) {
          throw new Error(`embedding endpoint returned ${v.length} dimensions, configured ${options.dimensions}`);
        }
      }
      return vectors;
    },
  };
}
