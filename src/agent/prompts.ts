/**
 * Prompts are data: markdown files in `prompts/` named `<id>.v<version>.md`, with a YAML front
 * matter (`id`, `version`, `description`) and the system prompt as the body. They are read and
 * validated once at start-up and passed in; every step records the id and version it used.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';

/** The head of a prompt file, between its two `---` lines. */
export const FrontMatter = z.strictObject({
  id: z.string().regex(/^[a-z][a-z0-9-]{0,99}$/, 'must be lowercase letters, digits and -'),
  version: z.number().int().min(1),
  description: z.string().min(1).max(1_000),
});

export interface Prompt {
  id: string;
  version: number;
  description: string;
  text: string;
}

/** The loaded prompts by id, the highest version of each. */
export type PromptSet = ReadonlyMap<string, Prompt>;

/** `diagnose@1`: how a step names the prompt it used. */
export const promptLabel = (p: Prompt) => `${p.id}@${p.version}`;

/** Parses prompt files; throws naming the file and field at fault, since Medic must not start with a broken prompt. */
export function parsePrompts(files: readonly { name: string; text: string }[]): PromptSet {
  const byId = new Map<string, Prompt>();
  for (const f of files) {
    const m = /^---\r?\n([\s\S]*?)\r?\n---\r?\n([\s\S]*)$/.exec(f.text);
    if (!m) throw new Error(`${f.name}: a prompt starts with a front matter between --- lines`);
    const head = FrontMatter.safeParse(parse(m[1] ?? ''));
    if (!head.success) throw new Error(`${f.name}: ${head.error.issues.map((i) => `${i.path.join('.') || '(front matter)'}: ${i.message}`).join('; ')}`);
    const named = /^([a-z][a-z0-9-]*)\.v(\d+)\.md$/.exec(f.name);
    if (!named || named[1] !== head.data.id || Number(named[2]) !== head.data.version) {
      throw new Error(`${f.name}: the file must be named ${head.data.id}.v${head.data.version}.md after its front matter`);
    }
    const text = (m[2] ?? '').trim();
    if (text === '') throw new Error(`${f.name}: the prompt is empty`);
    const prompt = { ...head.data, text };
    const seen = byId.get(prompt.id);
    if (!seen || seen.version < prompt.version) byId.set(prompt.id, prompt);
  }
  return byId;
}

/** Reads and validates every `*.md` prompt in `dir`. */
export async function loadPrompts(dir: string): Promise<PromptSet> {
  const names = (await readdir(dir)).filter((n) => n.endsWith('.md')).sort();
  return parsePrompts(await Promise.all(names.map(async (name) => ({ name, text: await readFile(join(dir, name), 'utf8') }))));
}
