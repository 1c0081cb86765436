import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DateTime } from 'luxon';
import { when } from '../../src/console/format.ts';

describe('console times', () => {
  /** `when` as first written, with luxon doing the calendar arithmetic and the zone names. */
  function reference(f: { zone: string; now: Date }, d: Date): string {
    const t = DateTime.fromJSDate(d, { zone: f.zone });
    const now = DateTime.fromJSDate(f.now, { zone: f.zone });
    const days = Math.abs(now.startOf('day').diff(t.startOf('day'), 'days').days);
    const shown = days === 0 ? t.toFormat('HH:mm') : days < 6 ? t.toFormat('ccc HH:mm') : t.toFormat('yyyy-LL-dd HH:mm');
    return `<time datetime="${d.toISOString()}" title="${t.toFormat('yyyy-LL-dd HH:mm:ss ZZZZ')}">${shown}</time>`;
  }

  it('writes a moment as today, this week or a date in the zone, across daylight saving changes', () => {
    for (const zone of ['UTC', 'Europe/Paris', 'America/New_York', 'Australia/Lord_Howe', 'Asia/Kolkata']) {
      // Around the changes of 2026 in both hemispheres, and a plain week.
      for (const nowText of ['2026-03-29T00:30:00Z', '2026-03-30T12:00:00Z', '2026-10-25T23:30:00Z', '2026-04-05T15:00:00Z', '2026-12-03T04:00:00Z']) {
        const f = { zone, now: new Date(nowText) };
        for (let h = -24 * 9; h <= 24 * 2; h += 5) {
          const d = new Date(f.now.getTime() + h * 3_600_000 + 17 * 60_000);
          assert.equal(when(f, d).text, reference(f, d), `${zone} ${nowText} ${h} h`);
        }
      }
    }
    assert.equal(when({ zone: 'UTC', now: new Date() }, null).text, '<span class="muted">—</span>');
  });
});
