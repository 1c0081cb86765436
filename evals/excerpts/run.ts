/**
 * Error-line extraction on 36 real CI breakages (labri-progress/cidiff): line-level precision and
 * recall of the extracted lines against the `E` ranges of the ground truth, from the failing log
 * alone and with the passing log beside it. `npm run eval:excerpts`.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { extractErrorLines } from '../../src/signatures/log-excerpt.ts';

const DATA = fileURLToPath(new URL('../../../shared/data/ci-breakages', import.meta.url));

/** The `E` lines of a groundtruth file, 1-based. */
export function errorLines(groundtruth: string): Set<number> {
  const out = new Set<number>();
  for (const line of groundtruth.split('\n')) {
    const m = /^E\s+(\d+)(?:-(\d+))?/.exec(line.trim());
    if (!m) continue;
    const a = Number(m[1]);
    const b = Number(m[2] ?? m[1]);
    for (let i = a; i <= b; i++) out.add(i);
  }
  return out;
}

interface Counts { tp: number; fp: number; fn: number }
const prf = (c: Counts) => {
  const p = c.tp + c.fp === 0 ? 0 : c.tp / (c.tp + c.fp);
  const r = c.tp + c.fn === 0 ? 0 : c.tp / (c.tp + c.fn);
  return { p, r, f1: p + r === 0 ? 0 : (2 * p * r) / (p + r) };
};

function main(): void {
  const cases = readdirSync(DATA).filter((d) => statSync(join(DATA, d)).isDirectory()).sort();
  const modes = ['fail log only', 'with pass log'] as const;
  const totals = modes.map(() => ({ tp: 0, fp: 0, fn: 0, macro: { p: 0, r: 0, f1: 0 } }));
  console.log(`${'case'.padEnd(30)} ${'truth'.padStart(5)}  ${modes.map((m) => `${m}: P / R`.padStart(26)).join(' ')}`);
  for (const c of cases) {
    const fail = readFileSync(join(DATA, c, 'fail.log'), 'utf8');
    const pass = readFileSync(join(DATA, c, 'pass.log'), 'utf8');
    const truth = errorLines(readFileSync(join(DATA, c, 'groundtruth'), 'utf8'));
    const cells = modes.map((mode, k) => {
      const got = new Set(extractErrorLines(fail, mode === 'with pass log' ? { passLog: pass } : {}).lines);
      const counts = { tp: [...got].filter((l) => truth.has(l)).length, fp: [...got].filter((l) => !truth.has(l)).length, fn: [...truth].filter((l) => !got.has(l)).length };
      const t = totals[k];
      if (t) {
        t.tp += counts.tp; t.fp += counts.fp; t.fn += counts.fn;
        const s = prf(counts);
        t.macro.p += s.p; t.macro.r += s.r; t.macro.f1 += s.f1;
      }
      const s = prf(counts);
      return `${s.p.toFixed(2)} / ${s.r.toFixed(2)}`.padStart(26);
    });
    console.log(`${c.padEnd(30)} ${String(truth.size).padStart(5)}  ${cells.join(' ')}`);
  }
  console.log('');
  modes.forEach((m, k) => {
    const t = totals[k];
    if (!t) return;
    const micro = prf(t);
    const n = cases.length;
    console.log(`${m.padEnd(14)} micro P ${micro.p.toFixed(3)} R ${micro.r.toFixed(3)} F1 ${micro.f1.toFixed(3)} | macro P ${(t.macro.p / n).toFixed(3)} R ${(t.macro.r / n).toFixed(3)} F1 ${(t.macro.f1 / n).toFixed(3)}`);
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) main();
