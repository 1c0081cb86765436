import { failureKinds } from './failures.ts';
import { MINUTE, type Random } from './random.ts';

/** Account opening, a per-submission service reported in Medic's generic event format. */
export const accountOpening = {
  namespace: 'onboarding',
  steps: [
    { name: 'kyc_check', medianMin: 4, sigma: 0.5, failP: 0.06 },
    { name: 'credit_score', medianMin: 2, sigma: 0.3, failP: 0 },
    { name: 'open_account', medianMin: 3, sigma: 0.25, failP: 0 },
  ],
} as const;

/** Generic events for the submissions of one day: started and completed/failed per step and try. */
export function accountOpeningDay(r: Random, day: Date): unknown[] {
  const events: unknown[] = [];
  const submissions = r.int(3, 7);
  for (let s = 0; s < submissions; s++) {
    const submission = `app-${day.toISOString().slice(0, 10).replaceAll('-', '')}-${r.int(10_000, 99_999)}`;
    let t = day.getTime() + r.int(8 * 60, 20 * 60) * MINUTE;
    for (const step of accountOpening.steps) {
      for (let attempt = 1; attempt <= 3; attempt++) {
        const runId = r.uuid();
        const fails = attempt < 3 && r.chance(attempt === 1 ? step.failP : step.failP / 2);
        const end = t + r.lognormal(step.medianMin, step.sigma) * MINUTE;
        const base = {
          job: { namespace: accountOpening.namespace, name: step.name },
          run: { id: runId, key: submission, attempt },
          parent: { job: { namespace: accountOpening.namespace, name: 'account_opening' }, runKey: submission },
          facets: { channel: r.pick(['web', 'mobile', 'branch']) },
        };
        events.push({ ...base, type: 'started', time: new Date(t).toISOString(), startedAt: new Date(t).toISOString() });
        events.push({
          ...base,
          type: fails ? 'failed' : 'completed',
          time: new Date(end).toISOString(),
          endedAt: new Date(end).toISOString(),
          ...(fails ? { error: { message: failureKinds.kycUpstream(r).message } } : {}),
        });
        t = end + (fails ? 2 * MINUTE : r.int(1, 20) * 1000);
        if (!fails) break;
      }
    }
  }
  return events;
}
