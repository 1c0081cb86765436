/**
 * The deterministic diagnosis: failure texts read against named patterns per class, weighed with
 * what Medic remembers (the policies' incident classes, what fixed this signature before) into
 * two or three ranked hypotheses, each with the evidence a person can check. Pure.
 */
import type { Facts } from './facts.ts';
import type { DiagnosisClass, Hypothesis } from './schema.ts';

interface Rule {
  cls: Exclude<DiagnosisClass, 'unknown'>;
  re: RegExp;
  weight: number;
  what: string;
}

// Strong, specific wordings weigh 3; common ones that other causes share weigh 1–2. A status code
// is one only where it is not a line number (`Executor.java:429)`), and a timeout is one only
// where it is not a setting (`# timeout=10`).
const STATUS = (codes: string) => String.raw`(?<![:.\w])${codes}\b`;
const RULES: Rule[] = [
  { cls: 'resource-exhausted', re: /out ?of ?memory|oomkill|memoryerror|exit code 137|java heap space|gc overhead limit|cannot allocate memory|beyond (?:physical|virtual) memory|killed process \d+/i, weight: 3, what: 'memory ran out' },
  { cls: 'resource-exhausted', re: /no space left|disk (?:is )?full|quota.{0,40}(?:disk|storage)|insufficient (?:disk|storage)|too many open files/i, weight: 3, what: 'disk or file handles ran out' },
  { cls: 'rate-limit', re: new RegExp(`${STATUS('429')}|too many requests|rate.?limit|rate exceeded|throttl|quota exceeded|slow ?down`, 'i'), weight: 3, what: 'the other side asks to slow down' },
  { cls: 'network-transient', re: new RegExp(`connection (?:refused|reset|timed out|closed|broken|abort)|(?:could not|unable to|failed to|retrying) connect|cannot open (?:channel|connection|socket)|failed network connection|connectexception|sockettimeout|read timed? ?out|timed? ?out waiting|econn(?:reset|refused)|eai_again|enotfound|broken pipe|no route to host|network is unreachable|temporarily unavailable|service unavailable|${STATUS('50[234]')}|bad gateway|gateway time-?out|unknownhost`, 'i'), weight: 3, what: 'the network or a service dropped' },
  { cls: 'network-transient', re: /\btime-?out\b(?!\s*[=:]\s*\d)|timed out|unreachable|connection|socket/i, weight: 1, what: 'a connection or timeout is involved' },
  { cls: 'partial-input', re: /partial (?:input|data|load|file|partition|write|upload|result)|incomplete (?:input|partition|data|file|load|batch|upload|write|read)|row.?count|rows?,? expected|expected \d+ rows|missing (?:partition|rows|file|data)|rows (?:are )?missing|reconciliation mismatch|empty (?:input|file|partition)|\b0 rows/i, weight: 3, what: 'the input looks partial' },
  { cls: 'config-credentials', re: new RegExp(`permission denied|access denied|\\bauth(?:entica\\w*)? fail|invalid (?:credentials|password|token|api key)|failed password|unauthori[sz]ed|${STATUS('40[13]')}|forbidden|expired (?:token|credential|certificate)|certificate (?:verify|expired)|ssl.{0,20}handshake|no such (?:user|role)|password authentication|owned by someone else|dubious ownership`, 'i'), weight: 3, what: 'credentials or permissions were refused' },
  { cls: 'config-credentials', re: /class file has wrong version|unsupportedclassversionerror|compiled by a more recent version/i, weight: 3, what: 'the runtime is not the version the build needs' },
  { cls: 'config-credentials', re: /config(?:uration)? (?:error|invalid|missing)|missing (?:env|environment|variable|setting|config)|unknown (?:option|property|parameter)|no such file or directory|could not (?:find|resolve) (?:host|config)|(?:unable to|cannot|could not|failed to) (?:load|create|read|parse)[^.\n]{0,40}\bconfig|not configured/i, weight: 2, what: 'a setting is wrong or missing' },
  { cls: 'upstream-data', re: /could not convert|invalid[ _](?:literal|value|input|date|format|item|record|row|field)s?|(?:missing|invalid) or (?:missing|invalid) (?:fields?|columns?|values?)|numberformatexception|parse ?(?:error|exception)|unexpected (?:null|token|end of|value)|schema (?:mismatch|change)|column .{0,40}(?:not found|does not exist|missing)|duplicate key|constraint violat|malformed|encoding (?:error|exception)|unicode(?:de|en)codeerror|can't decode|data ?type/i, weight: 3, what: 'the data is not what the job expects' },
  { cls: 'code-bug', re: /nullpointerexception|attributeerror|typeerror|keyerror|indexerror|nameerror|zerodivision|segmentation fault|nosuchmethod|classnotfound|noclassdeffound|classcastexception|cannot be cast to|illegalargumentexception|illegalstateexception|unsupportedoperationexception|indexoutofbounds|stackoverflowerror|undefined is not|is not a function|undefined reference|cannot find symbol|incompatible types|compilation (?:error|failure)|does not compile|syntaxerror|panic:/i, weight: 3, what: 'the code fails on its own' },
  { cls: 'code-bug', re: /assertionerror|assertion failed|expected:?\s*<.*> but was|tests run:.*(?:failures|errors): [1-9]|tests? failed|build failure|there (?:are|were) test failures/i, weight: 2, what: 'tests or assertions fail (a regression?)' },
];

/** What a pattern found only in the log excerpt weighs, against one in the failure message. */
const LOG_ONLY = 0.5;

/** The policies' incident classes that stand for a diagnosis class. */
const POLICY_CLASSES: Record<string, DiagnosisClass> = { 'network-transient': 'network-transient', 'rate-limited': 'rate-limit' };

/** What history says a successful action points to. */
const FIX_POINTS_TO: Record<string, DiagnosisClass> = { retry: 'network-transient', rerun: 'partial-input' };

const quote = (line: string) => (line.length > 160 ? `${line.slice(0, 157)}…` : line).trim();

/** The first line of the texts that matches. */
function firstLine(texts: readonly string[], re: RegExp): string | undefined {
  for (const t of texts) for (const line of t.split('\n')) if (re.test(line)) return line;
  return undefined;
}

/** Ranks up to three hypotheses for the facts, the most likely first; `unknown` when nothing speaks for any class. */
export function classify(facts: Facts): Hypothesis[] {
  const said = [facts.failure.message, facts.signature.template];
  const score = new Map<DiagnosisClass, { points: number; evidence: string[] }>();
  const add = (cls: DiagnosisClass, points: number, evidence: string) => {
    const s = score.get(cls) ?? { points: 0, evidence: [] };
    s.points += points;
    if (!s.evidence.includes(evidence) && s.evidence.length < 4) s.evidence.push(evidence);
    score.set(cls, s);
  };
  for (const rule of RULES) {
    const line = firstLine(said, rule.re);
    // The message says why the attempt ended; a long log mentions much else besides, so what only the log shows counts for less.
    const logged = line === undefined ? firstLine([facts.failure.excerpt], rule.re) : undefined;
    if (line !== undefined) add(rule.cls, rule.weight, `${rule.what}: "${quote(line)}"`);
    else if (logged !== undefined) add(rule.cls, rule.weight * LOG_ONLY, `${rule.what} (log): "${quote(logged)}"`);
  }
  for (const [name, sim] of Object.entries(facts.signature.classes)) {
    const cls = POLICY_CLASSES[name];
    if (cls && sim >= 0.5) add(cls, 2 * sim, `reads like the policies' ${name} examples (similarity ${sim.toFixed(2)})`);
  }
  for (const f of facts.signature.fixes) {
    const cls = FIX_POINTS_TO[f.action];
    if (cls && f.attempts >= 2 && f.successes / f.attempts >= 0.5) add(cls, 1, `history: ${f.summary}`);
  }
  const resolved = facts.signature.similar.filter((i) => i.resolution?.outcome === 'success');
  for (const i of resolved.slice(0, 2)) {
    const cls = FIX_POINTS_TO[i.resolution?.action ?? ''];
    if (cls) add(cls, 0.5, `similar incident ${i.incident_id} (${i.similarity.toFixed(2)}) ended with a ${i.resolution?.action}`);
  }
  const ranked = [...score.entries()].sort((a, b) => b[1].points - a[1].points).slice(0, 3);
  if (ranked.length === 0) return [{ class: 'unknown', confidence: 1, evidence: [`no known pattern in "${quote(facts.failure.message)}"`] }];
  // Some doubt is always left for a cause no pattern names.
  const total = ranked.reduce((s, [, v]) => s + v.points, 0) + 1;
  return ranked.map(([cls, v]) => ({ class: cls, confidence: Math.round((v.points / total) * 100) / 100, evidence: v.evidence }));
}
