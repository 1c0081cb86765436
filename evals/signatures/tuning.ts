/**
 * The miner's settings, chosen without the system being scored: for each system, a coordinate
 * search over the settings below maximises mean GA (and, at half weight, PA) on the other
 * eleven; the system is then scored with what was chosen. The shipped defaults are what the
 * same search chooses on all twelve. Every setting is generic: none names a system or a format.
 */
import type { MinerOptions } from '../../src/signatures/template-miner.ts';
import type { Labelled } from './loghub.ts';
import { scores } from './loghub.ts';
import { createMiner } from '../../src/signatures/template-miner.ts';
import { coordinateSearch } from '../coordinate-search.ts';

export interface Tuning {
  similarity: number;
  wordWeight: number;
  wildWeight: number;
  lockAfter: number;
  variety: number;
  maxHole: number;
  maxValueHole: number;
  context: number;
  restoreAfter: number;
  units: boolean;
  quoted: boolean;
  colon: boolean;
}

/** The values each setting may take. */
export const SPACE: { [K in keyof Tuning]: Tuning[K][] } = {
  similarity: [0.5, 0.6, 0.7],
  wordWeight: [1, 3, 6],
  wildWeight: [0.5, 1],
  lockAfter: [10, 30, 1e9],
  variety: [3, 4, 5],
  maxHole: [1, 2, 3],
  maxValueHole: [2, 4],
  context: [1, 2, 3],
  restoreAfter: [3, 10, 30, 1e9],
  units: [false, true],
  quoted: [false, true],
  colon: [false, true],
};

/** Where each search starts: the first miner's settings, with no statistics. */
export const START: Tuning = {
  similarity: 0.6, wordWeight: 3, wildWeight: 0.5, lockAfter: 1e9, variety: 3, maxHole: 2, maxValueHole: 2, context: 2, restoreAfter: 1e9,
  units: true, quoted: true, colon: false,
};

/** Weight of PA beside GA in what the search maximises. */
export const PA_WEIGHT = 0.5;

export function minerOptions(t: Tuning): MinerOptions {
  return {
    similarity: t.similarity, wordWeight: t.wordWeight, wildWeight: t.wildWeight, lockAfter: t.lockAfter,
    variety: t.variety, maxHole: t.maxHole, maxValueHole: t.maxValueHole, context: t.context, restoreAfter: t.restoreAfter,
    mask: { units: t.units, quoted: t.quoted, colon: t.colon },
  };
}

export interface Score {
  ga: number;
  pa: number;
  clusters: number;
}

/**
 * Mines one system's messages in order, then scores each message by the event its cluster id
 * resolves to at the end and that event's final template, as published evaluations do.
 */
export function mineAndScore(truth: Labelled[], options: MinerOptions): Score {
  const miner = createMiner(options);
  const ids = truth.map((t) => miner.add(t.content).clusterId);
  const predicted = ids.map((id) => ({ clusterId: miner.resolve(id), template: miner.template(id) ?? '' }));
  return scores(truth, predicted);
}

const key = (t: Tuning) => JSON.stringify(t);

/** Scores of every system under a setting, computed once per setting. */
export function scorer(systems: Map<string, Labelled[]>): (t: Tuning) => Map<string, Score> {
  const cache = new Map<string, Map<string, Score>>();
  return (t) => {
    const k = key(t);
    let got = cache.get(k);
    if (!got) {
      const options = minerOptions(t);
      got = new Map([...systems].map(([name, truth]) => [name, mineAndScore(truth, options)]));
      cache.set(k, got);
    }
    return got;
  };
}

function objective(byName: Map<string, Score>, names: string[]): number {
  let ga = 0;
  let pa = 0;
  for (const n of names) {
    ga += byName.get(n)?.ga ?? 0;
    pa += byName.get(n)?.pa ?? 0;
  }
  return (ga + PA_WEIGHT * pa) / names.length;
}

/** The settings that score best on the named systems, by coordinate search from START. */
export function choose(score: (t: Tuning) => Map<string, Score>, names: string[]): Tuning {
  return coordinateSearch(START, SPACE, (t) => objective(score(t), names));
}
