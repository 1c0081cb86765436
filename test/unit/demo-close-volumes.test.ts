import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { financeCloseDay } from '../../src/demo/airflow-history.ts';
import { DAY, seeded } from '../../src/demo/random.ts';

interface OlEvent {
  eventType: string;
  job: { name: string };
  run: { facets: { errorMessage?: { message: string } } };
  outputs: { name: string; outputFacets?: { outputStatistics?: { rowCount: number; size: number } } }[];
}

/** The ledger rows load_dw wrote, and whether reconcile then failed on partial input, for each of `days` days. */
function closeHistory(days: number): { ledger: number; partial: boolean; monday: boolean }[] {
  const r = seeded(7);
  return Array.from({ length: days }, (_, d) => {
    const slot = new Date(Date.UTC(2026, 0, 1) + d * DAY + 3_600_000);
    const events = financeCloseDay(r, slot) as OlEvent[];
    const load = events.find((e) => e.job.name === 'finance_close.load_dw' && e.eventType === 'COMPLETE');
    const partial = events.some((e) => e.job.name === 'finance_close.reconcile' && /reconciliation mismatch/.test(e.run.facets.errorMessage?.message ?? ''));
    return { ledger: load?.outputs[0]?.outputFacets?.outputStatistics?.rowCount ?? Number.NaN, partial, monday: slot.getUTCDay() === 1 };
  }).filter((d) => !Number.isNaN(d.ledger));
}

describe('the demo finance close\'s volumes', () => {
  const history = closeHistory(200);
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
  const usual = (monday: boolean) => median(history.filter((d) => !d.partial && d.monday === monday).map((d) => d.ledger));

  it('loads about 58k ledger rows a day, a third more on Monday', () => {
    assert.ok(Math.abs(usual(false) - 58_000) < 2_000, String(usual(false)));
    assert.ok(Math.abs(usual(true) / usual(false) - 1.35) < 0.05);
  });

  it('writes a ledger of 20–40 % of the usual on each day reconcile fails on partial input, and only then', () => {
    const partial = history.filter((d) => d.partial);
    assert.ok(partial.length >= 3, `${partial.length} partial days`);
    for (const d of history) {
      const share = d.ledger / usual(d.monday);
      assert.ok(d.partial ? share > 0.15 && share < 0.45 : share > 0.8, `${d.ledger} rows, partial ${d.partial}`);
    }
  });
});
