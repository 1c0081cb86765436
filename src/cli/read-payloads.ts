import { readFile } from 'node:fs/promises';

/**
 * Reads payloads from a file or stdin (`-`): a JSON array, one JSON value, or newline-delimited
 * JSON (one payload a line). A line that is not JSON is reported with its number.
 */
export async function readPayloads(path: string): Promise<{ payloads: unknown[]; errors: string[] }> {
  const text = path === '-' ? await readStdin() : await readFile(path, 'utf8');
  const trimmed = text.trim();
  if (trimmed === '') return { payloads: [], errors: [] };
  try {
    const whole: unknown = JSON.parse(trimmed);
    return { payloads: Array.isArray(whole) ? whole : [whole], errors: [] };
  } catch {
    // Not one JSON document: read it as NDJSON.
  }
  const payloads: unknown[] = [];
  const errors: string[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    try {
      payloads.push(JSON.parse(line));
    } catch (err) {
      errors.push(`line ${i + 1}: ${(err as Error).message}`);
    }
  });
  return { payloads, errors };
}

async function readStdin(): Promise<string> {
  return (await readStdinBytes()).toString('utf8');
}

/** All of stdin, as bytes. */
export async function readStdinBytes(): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
