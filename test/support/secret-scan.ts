/**
 * The secrets scan: after the suite, every file the tests recorded (test/support/secret-record.ts)
 * is searched for every secret they configured, as written, URL-encoded, JSON-escaped and in
 * base64 (standard and URL-safe, at each of the three byte alignments, so that a password inside
 * a Basic header is found too). Secrets shorter than `MIN_SECRET` are too likely to occur by
 * chance and are ignored (the summary counts them).
 *
 * The search runs once over each file whatever the number of secrets: a rolling hash of every
 * `MIN_SECRET`-byte window is looked up in a table of the secrets' first windows, and only a
 * window that matches one is compared in full.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { NamedSecret } from '../../src/config-secrets.ts';

/** The folders of the scan's record; `secrets/` is what is searched for, never searched. */
export const RECORD = { secrets: 'secrets', logs: 'logs', output: 'output', rows: 'rows' } as const;

/** Shorter secrets are ignored. @defaultValue 8 */
export const MIN_SECRET = 8;

/** One way a secret may be written, and its bytes. */
interface Needle { name: string; form: string; bytes: Buffer }

/** A secret found in a file: which, written how, and a few characters around it with the secret itself replaced. */
export interface Hit { file: string; name: string; form: string; context: string }

export interface ScanReport {
  /** Secrets searched for. */
  secrets: number;
  /** Secrets shorter than MIN_SECRET, not searched for. */
  ignored: number;
  files: number;
  bytes: number;
  /** At most one per file and secret. */
  hits: Hit[];
}

/** The ways `value` may be written down, each at least MIN_SECRET bytes long. */
export function formsOf(value: string): { form: string; text: string }[] {
  const bytes = Buffer.from(value, 'utf8');
  const forms = [
    { form: 'as is', text: value },
    { form: 'URL-encoded', text: encodeURIComponent(value) },
    { form: 'JSON-escaped', text: JSON.stringify(value).slice(1, -1) },
  ];
  for (const shift of [0, 1, 2]) {
    // Inside a longer base64 text the secret's bytes may start at any of 3 offsets in a group:
    // keep the characters made of the secret's bytes alone.
    const base64 = Buffer.concat([Buffer.alloc(shift), bytes]).toString('base64');
    const core = base64.slice([0, 2, 3][shift], 4 * Math.floor((shift + bytes.length) / 3));
    forms.push({ form: 'base64', text: core }, { form: 'base64url', text: core.replaceAll('+', '-').replaceAll('/', '_') });
  }
  const byText = new Map<string, { form: string; text: string }>();
  for (const f of forms) if (Buffer.byteLength(f.text) >= MIN_SECRET && !byText.has(f.text)) byText.set(f.text, f);
  return [...byText.values()];
}

const B = 257;
const B_TOP = Array.from({ length: MIN_SECRET - 1 }).reduce<number>((p) => Math.imul(p, B), 1);
const FILTER_BITS = 22;

function windowHash(bytes: Uint8Array, at: number): number {
  let h = 0;
  for (let i = 0; i < MIN_SECRET; i++) h = (Math.imul(h, B) + (bytes[at + i] ?? 0)) | 0;
  return h;
}

/** Finds `secrets` in texts: each call returns the needles found in one buffer, with where. */
export function createScanner(secrets: readonly NamedSecret[]): { scan(text: Buffer): { needle: Needle; at: number }[]; searched: number; ignored: number } {
  const searched = secrets.filter((s) => Buffer.byteLength(s.value) >= MIN_SECRET);
  const needles: Needle[] = searched.flatMap((s) => formsOf(s.value).map((f) => ({ name: s.name, form: f.form, bytes: Buffer.from(f.text, 'utf8') })));
  const filter = new Uint8Array(1 << FILTER_BITS);
  const byHash = new Map<number, Needle[]>();
  for (const n of needles) {
    const h = windowHash(n.bytes, 0);
    filter[h & ((1 << FILTER_BITS) - 1)] = 1;
    byHash.set(h, [...(byHash.get(h) ?? []), n]);
  }
  function scan(text: Buffer): { needle: Needle; at: number }[] {
    const found: { needle: Needle; at: number }[] = [];
    if (text.length < MIN_SECRET || needles.length === 0) return found;
    const mask = (1 << FILTER_BITS) - 1;
    let h = windowHash(text, 0);
    for (let i = 0; ; i++) {
      if (filter[h & mask] === 1) {
        for (const n of byHash.get(h) ?? []) {
          if (i + n.bytes.length <= text.length && text.compare(n.bytes, 0, n.bytes.length, i, i + n.bytes.length) === 0) found.push({ needle: n, at: i });
        }
      }
      if (i + MIN_SECRET >= text.length) break;
      h = (Math.imul(h - Math.imul(text[i] ?? 0, B_TOP), B) + (text[i + MIN_SECRET] ?? 0)) | 0;
    }
    return found;
  }
  return { scan, searched: searched.length, ignored: secrets.length - searched.length };
}

/** The secrets the suite recorded in `dir`, each value once. */
export function recordedSecrets(dir: string): NamedSecret[] {
  const byValue = new Map<string, NamedSecret>();
  for (const file of filesUnder(join(dir, RECORD.secrets))) {
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      if (line.trim() === '') continue;
      const s = JSON.parse(line) as NamedSecret;
      if (!byValue.has(s.value)) byValue.set(s.value, s);
    }
  }
  return [...byValue.values()];
}

/** Searches every file under `dir` but the recorded secrets for each of them. */
export function scanRecord(dir: string): ScanReport {
  const scanner = createScanner(recordedSecrets(dir));
  const report: ScanReport = { secrets: scanner.searched, ignored: scanner.ignored, files: 0, bytes: 0, hits: [] };
  const secretsDir = join(dir, RECORD.secrets);
  for (const file of filesUnder(dir).filter((f) => !f.startsWith(`${secretsDir}/`))) {
    const text = readFileSync(file);
    report.files += 1;
    report.bytes += text.length;
    const seen = new Set<string>();
    for (const { needle, at } of scanner.scan(text)) {
      if (seen.has(needle.name)) continue;
      seen.add(needle.name);
      report.hits.push({ file: relative(dir, file), name: needle.name, form: needle.form, context: contextOf(text, at, needle) });
    }
  }
  return report;
}

/** A few characters either side of a hit, the secret itself replaced by its name. */
function contextOf(text: Buffer, at: number, needle: Needle): string {
  const show = (b: Buffer) => b.toString('utf8').replace(/[^\x20-\x7e]/g, '.');
  return `${show(text.subarray(Math.max(0, at - 40), at))}[${needle.name}]${show(text.subarray(at + needle.bytes.length, at + needle.bytes.length + 40))}`;
}

function filesUnder(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names.flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

/** The one line the test run prints. */
export function summaryOf(r: ScanReport): string {
  const ignored = r.ignored > 0 ? ` (${r.ignored} shorter than ${MIN_SECRET} characters ignored)` : '';
  return `secrets: ${r.secrets} secrets${ignored}, ${r.files} files, ${r.bytes} bytes scanned, ${r.hits.length} found`;
}

/** A line per hit, for people to find the leak. */
export const hitLines = (r: ScanReport): string[] => r.hits.map((h) => `  ${h.file}: ${h.name} (${h.form}): …${h.context}…`);
