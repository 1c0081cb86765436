/**
 * Replaces what names a company in exported history — job, namespace, source, service and run
 * names, host names, IP addresses, e-mail addresses, people — by keyed hashes. The same value
 * always becomes the same alias within one export (one salt), so failures that shared a
 * signature still share one; the words, punctuation and `<*>` placeholders around them stay, so
 * a policy's template expression matches the anonymised template as it matched the original.
 */
import { createHmac } from 'node:crypto';

/** Top-level labels that end a host name (`warehouse.internal`, `db.acme.corp`, `api.example.com`). */
const TLDS = 'com|net|org|io|ai|co|dev|app|cloud|internal|intranet|intra|local|localdomain|lan|corp|prod|staging|svc|cluster|private|home|example|test|invalid|uk|de|fr|nl|be|ch|at|se|no|dk|fi|es|it|pl|eu|us|ca|au|jp|in|br';
const EMAIL = String.raw`[\w.+-]+@(?:[A-Za-z0-9-]+\.)+[A-Za-z]{2,}`;
const IPV4 = String.raw`(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?![\w.])`;
const HOST = String.raw`(?<![\w.-])(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)+(?:${TLDS})(?![\w.-])`;
// `ctm-agent-01`, `ip-10-0-0-7`: two or more words and a number, as machines are named.
const NUMBERED_HOST = String.raw`(?<![\w.-])[a-z][a-z0-9]*(?:-[a-z][a-z0-9]*)+(?:-\d+)+(?![\w.-])`;
// Absolute paths: their folders and files can name people, teams and projects.
const PATH = String.raw`(?<![\w.:/-])(?:/[\w.$~-]+){2,}/?`;
/** Path parts that name nothing of a company's own. */
const GENERIC_PARTS = new Set(['opt', 'usr', 'local', 'lib', 'lib64', 'bin', 'sbin', 'home', 'var', 'tmp', 'etc', 'data', 'srv', 'mnt', 'app', 'apps', 'src', 'dags', 'logs', 'log', 'run', 'site-packages', 'dist-packages', 'node_modules', 'staging']);
/** Names shorter than this are not looked for inside text (`dw`, `etl` occur in words). */
const MIN_NAME = 4;
/** Actors that name no person. */
const SYSTEM_ACTORS = new Set(['orchestrator', 'medic', 'policy', 'system']);

export interface Anonymiser {
  /** A job's namespace, a source or a service: one alias. */
  name(value: string): string;
  /** A job's name: each part between `.` and `/` aliased, the separators kept. */
  jobName(value: string): string;
  runKey(value: string): string;
  /** Who resolved an incident: people become aliases, the orchestrator and Medic stay. */
  actor(value: string): string;
  /** An opaque key (a signature's fingerprint), rehashed so that equal keys stay equal. */
  opaque(value: string): string;
  /** Free text (messages, templates): known names, hosts, IPs and e-mail addresses replaced. */
  text(value: string, runKey?: string): string;
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/**
 * An anonymiser keyed by `salt` (never written out) that knows `names` — sources, namespaces,
 * services and job names (`namespace/name` or bare) — and so finds them inside text too.
 */
export function createAnonymiser(salt: Uint8Array, names: { plain: Iterable<string>; jobs: Iterable<string> }): Anonymiser {
  const hash = (value: string, length: number) => createHmac('sha256', salt).update(value).digest('hex').slice(0, length);
  const aliases = new Map<string, string>();
  const alias = (value: string, prefix: string) => {
    const key = `${prefix}\u0000${value}`;
    let a = aliases.get(key);
    if (a === undefined) aliases.set(key, (a = `${prefix}${hash(value, 8)}`));
    return a;
  };
  const segments = (value: string) => value.split(/([./])/).map((part, i) => (i % 2 === 1 || part === '' ? part : alias(part, 'n')));
  const known = new Map<string, string>();
  for (const n of names.plain) if (n) known.set(n, alias(n, 'n'));
  for (const job of names.jobs) {
    known.set(job, segments(job).join(''));
    for (const part of job.split(/[./]/)) if (part.length >= MIN_NAME) known.set(part, alias(part, 'n'));
  }
  const host = (h: string) => {
    const labels = h.split('.');
    const tld = labels.pop() ?? '';
    return [...labels.map((l) => alias(l.toLowerCase(), 'h')), tld].join('.');
  };
  const ip = (addr: string) => {
    const b = Buffer.from(hash(addr, 6), 'hex');
    return `10.${b[0]}.${b[1]}.${b[2]}`;
  };
  const path = (p: string) => p.split('/').map((part) => {
    if (part === '' || GENERIC_PARTS.has(part) || /^python\d/.test(part)) return part;
    const dot = part.lastIndexOf('.');
    return dot > 0 ? `${alias(part.slice(0, dot), 'n')}${part.slice(dot)}` : alias(part, 'n');
  }).join('/');
  const byLength = [...known.keys()].sort((a, b) => b.length - a.length).map(escape);
  const NAMES = byLength.length ? String.raw`(?<![\w-])(?:${byLength.join('|')})(?![\w-])` : '(?!)';
  const pattern = new RegExp(`(${EMAIL})|(${IPV4})|(${PATH})|(${NAMES})|(${HOST})|(${NUMBERED_HOST})`, 'g');
  const replace = (m: string, email?: string, addr?: string, file?: string, name?: string, dotted?: string) => {
    if (file) return path(file);
    if (email) return `${alias(email.slice(0, email.indexOf('@')), 'u')}@${host(email.slice(email.indexOf('@') + 1))}`;
    if (addr) return ip(addr);
    if (name) return known.get(name) ?? alias(name, 'n');
    if (dotted) return host(dotted);
    return alias(m, 'host-');
  };
  return {
    name: (v) => known.get(v) ?? alias(v, 'n'),
    jobName: (v) => known.get(v) ?? segments(v).join(''),
    runKey: (v) => alias(v, 'run-'),
    actor: (v) => (SYSTEM_ACTORS.has(v) ? v : alias(v, 'person-')),
    opaque: (v) => hash(`opaque\u0000${v}`, 32),
    text: (v, runKey) => {
      const own = runKey && runKey.length >= MIN_NAME ? v.split(runKey).join(alias(runKey, 'run-')) : v;
      return own.replace(pattern, replace);
    },
  };
}
