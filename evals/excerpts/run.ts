/**
 * Excerpts of real failed CI builds (labri-progress/cidiff breakages), leave one case out: the
 * excerpt's weights are chosen on the other cases and the case is scored with them. Reported:
 * line recall of the ground-truth `E` lines, the share of failures with at least half and with
 * all of their lines found, precision and the median excerpt size, beside `tail -n 50` and a
 * keyword grep (`grep -i -B1 -A3 -E 'error|fail|exception'`) in the same run, from the failing
 * log alone and with the passing log beside it. `npm run eval:excerpts`; the last line is JSON.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { coordinateSearch } from '../coordinate-search.ts';
import { EXCERPT_WEIGHTS, lineFeatures, logLines, rankLines, type ExcerptWeights, type LineFeatures } from '../../src/signatures/log-excerpt.ts';

const DATA = fileURLToPath(new URL('../../../shared/data/ci-breakages', import.meta.url));
const MAX_LINES = 50;

/** The `E` lines of a groundtruth file, 1-based. */
export function errorLines(groundtruth: string): Set<number> {
  const out = new Set<number>();
  for (const line of groundtruth.split('\n')) {
    const m = /^E\s+(\d+)(?:-(\d+))?/.exec(line.trim());
    if (!m) continue;
    for (let i = Number(m[1]); i <= Number(m[2] ?? m[1]); i++) out.add(i);
  }
  return out;
}

interface Case {
  name: string;
  lines: string[];
  truth: Set<number>;
  failOnly: LineFeatures;
  withPass: LineFeatures;
}

function loadCases(): Case[] {
  return readdirSync(DATA).filter((d) => statSync(join(DATA, d)).isDirectory()).sort().map((name) => {
    const lines = logLines(readFileSync(join(DATA, name, 'fail.log'), 'utf8'));
    const pass = readFileSync(join(DATA, name, 'pass.log'), 'utf8');
    return {
      name, lines, truth: errorLines(readFileSync(join(DATA, name, 'groundtruth'), 'utf8')),
      failOnly: lineFeatures(lines), withPass: lineFeatures(lines, pass),
    };
  });
}

/** 1-based lines a method shows for a case. */
type Method = (c: Case) => number[];

const lastLines = (c: Case) => {
  // `tail` counts lines that end in a newline: a final empty piece is not a line.
  const n = c.lines.length - (c.lines[c.lines.length - 1] === '' ? 1 : 0);
  return Array.from({ length: Math.min(MAX_LINES, n) }, (_, k) => n - Math.min(MAX_LINES, n) + k + 1);
};

const KEYWORDS = /error|fail|exception/i;
const grep = (c: Case) => {
  const out = new Set<number>();
  c.lines.forEach((l, i) => {
    if (!KEYWORDS.test(l)) return;
    for (let j = Math.max(0, i - 1); j <= Math.min(c.lines.length - 1, i + 3); j++) out.add(j + 1);
  });
  return [...out].sort((a, b) => a - b);
};

const medic = (w: ExcerptWeights, pass: boolean): Method => (c) =>
  rankLines(pass ? c.withPass : c.failOnly, MAX_LINES, w).chosen.map((i) => i + 1);

interface CaseScore { recall: number; fit: number; precision: number; size: number; found: number; truth: number }

function scoreCase(c: Case, shown: number[]): CaseScore {
  const found = shown.filter((l) => c.truth.has(l)).length;
  return { recall: c.truth.size ? found / c.truth.size : 1, fit: c.truth.size ? found / Math.min(MAX_LINES, c.truth.size) : 1, precision: shown.length ? found / shown.length : 0, size: shown.length, found, truth: c.truth.size };
}

function summary(scores: CaseScore[]) {
  const n = scores.length;
  const sizes = scores.map((s) => s.size).sort((a, b) => a - b);
  const mid = Math.floor(n / 2);
  return {
    recall: scores.reduce((s, x) => s + x.recall, 0) / n,
    fit: scores.reduce((s, x) => s + Math.min(1, x.fit), 0) / n,
    micro: scores.reduce((s, x) => s + x.found, 0) / scores.reduce((s, x) => s + x.truth, 0),
    half: scores.filter((s) => s.recall >= 0.5).length / n,
    all: scores.filter((s) => s.recall >= 1).length / n,
    precision: scores.reduce((s, x) => s + x.precision, 0) / n,
    median: n % 2 ? (sizes[mid] ?? 0) : ((sizes[mid - 1] ?? 0) + (sizes[mid] ?? 0)) / 2,
  };
}

/** Where every search starts. */
const START: ExcerptWeights = { words: 1, rarity: 0.5, tail: 1, tailSpan: 200, after: 1, passKeep: 1, decay: 0.8, decayIn: 0.95, back: 0.5, floor: 0.1 };

const SPACE: { [K in keyof ExcerptWeights]: number[] } = {
  words: [0.5, 1, 2, 4], rarity: [0, 0.25, 0.5, 1], tail: [0, 0.5, 1, 2], tailSpan: [25, 100, 200, 1000], after: [0, 1, 4, 16],
  passKeep: [0, 0.1, 0.3, 1], decay: [0.5, 0.8, 0.9, 0.97], decayIn: [0.8, 0.95, 0.99], back: [0, 0.5, 0.9], floor: [0, 0.05, 0.1, 0.3],
};

/** Mean recall, with precision at a fifth of its weight so that equal recall prefers a tighter excerpt. */
const objective = (scores: CaseScore[]) => scores.reduce((s, x) => s + x.recall + 0.2 * x.precision, 0) / scores.length;

/** Every case's score under some weights, computed once per weights and shared by all folds. */
function scorer(cases: Case[], pass: boolean): (w: ExcerptWeights) => CaseScore[] {
  const memo = new Map<string, CaseScore[]>();
  return (w) => {
    const key = JSON.stringify(w);
    let got = memo.get(key);
    if (!got) memo.set(key, (got = cases.map((c) => scoreCase(c, medic(w, pass)(c)))));
    return got;
  };
}

/** The weights that score best on the cases `use` keeps, by coordinate search from START. */
function choose(score: (w: ExcerptWeights) => CaseScore[], use: (i: number) => boolean, pass: boolean): ExcerptWeights {
  const { passKeep: _, ...withoutPass } = SPACE;
  return coordinateSearch({ ...START, passKeep: pass ? 0.1 : 1 }, pass ? SPACE : withoutPass, (w) => objective(score(w).filter((_, i) => use(i))));
}

function main(): void {
  const started = Date.now();
  const cases = loadCases();
  const scores = { fail: scorer(cases, false), pass: scorer(cases, true) };
  const loo = (pass: boolean) => {
    const score = pass ? scores.pass : scores.fail;
    return cases.map((_, held) => score(choose(score, (i) => i !== held, pass))[held] as CaseScore);
  };
  const rows = {
    'Medic, leave one case out': loo(false),
    'Medic, LOO, with pass log': loo(true),
    'Medic, shipped weights': cases.map((c) => scoreCase(c, medic(EXCERPT_WEIGHTS, false)(c))),
    'tail -n 50': cases.map((c) => scoreCase(c, lastLines(c))),
    'grep error|fail|exception': cases.map((c) => scoreCase(c, grep(c))),
  };
  const names = Object.keys(rows) as (keyof typeof rows)[];
  console.log(`ci-breakages: ${cases.length} failed builds, excerpts of at most ${MAX_LINES} lines\n`);
  console.log(`${'case'.padEnd(28)} ${'truth'.padStart(5)} ${'Medic LOO'.padStart(10)} ${'+pass'.padStart(6)} ${'tail 50'.padStart(8)} ${'grep'.padStart(6)}   (line recall)`);
  cases.forEach((c, i) => {
    const r = (k: keyof typeof rows) => (rows[k][i]?.recall ?? 0).toFixed(2);
    console.log(`${c.name.padEnd(28)} ${String(c.truth.size).padStart(5)} ${r('Medic, leave one case out').padStart(10)} ${r('Medic, LOO, with pass log').padStart(6)} ${r('tail -n 50').padStart(8)} ${r('grep error|fail|exception').padStart(6)}`);
  });
  console.log(`\n${'method'.padEnd(28)} ${'recall'.padStart(6)} ${'in 50'.padStart(6)} ${'micro'.padStart(6)} ${'≥half'.padStart(6)} ${'all'.padStart(6)} ${'prec'.padStart(6)} ${'median lines'.padStart(12)}`);
  const sums = Object.fromEntries(names.map((k) => [k, summary(rows[k])]));
  for (const k of names) {
    const s = sums[k];
    if (!s) continue;
    console.log(`${k.padEnd(28)} ${s.recall.toFixed(3).padStart(6)} ${s.fit.toFixed(3).padStart(6)} ${s.micro.toFixed(3).padStart(6)} ${s.half.toFixed(3).padStart(6)} ${s.all.toFixed(3).padStart(6)} ${s.precision.toFixed(3).padStart(6)} ${String(s.median).padStart(12)}`);
  }
  const all = choose(scores.fail, () => true, false);
  const allPass = choose(scores.pass, () => true, true);
  const same = (Object.keys(all) as (keyof ExcerptWeights)[]).every((k) => k === 'passKeep' || all[k] === EXCERPT_WEIGHTS[k]);
  console.log('\nrecall: mean over failures of the share of their lines found; in 50: of as many of them as 50 lines can hold');
  console.log('(grep is not held to 50 lines); micro: over all lines; prec: share of the excerpt that is ground truth.');
  console.log(`weights chosen on all cases: ${JSON.stringify(all)}; with the pass log: passKeep ${allPass.passKeep}`);
  console.log(`shipped weights ${same ? 'are' : 'are NOT'} what the search chooses on all cases (${((Date.now() - started) / 1000).toFixed(0)} s)`);
  const r3 = (x: number) => Math.round(x * 1000) / 1000;
  const pick = (k: keyof typeof rows) => {
    const s = sums[k];
    return s ? { recall: r3(s.recall), recall_in_50: r3(s.fit), micro: r3(s.micro), half: r3(s.half), all: r3(s.all), median_lines: s.median } : null;
  };
  console.log(JSON.stringify({ cases: cases.length, medic_loo: pick('Medic, leave one case out'), medic_loo_pass: pick('Medic, LOO, with pass log'), tail_50: pick('tail -n 50'), grep: pick('grep error|fail|exception') }));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) main();
