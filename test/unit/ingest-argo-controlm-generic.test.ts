import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { argoAdapter } from '../../src/ingest/argo.ts';
import { controlmAdapter } from '../../src/ingest/controlm.ts';
import { genericAdapter } from '../../src/ingest/generic.ts';
import { NormalizedRunEvent } from '../../src/runs/schema.ts';
import { sharedData } from '../support/deps.ts';

const ctx = { timeZone: 'UTC', receivedAt: new Date('2026-11-24T00:00:00Z') };
const read = (...p: string[]) => JSON.parse(readFileSync(sharedData('formats', ...p), 'utf8')) as Record<string, unknown>;

describe('the Argo Workflows adapter', () => {
  it('makes the children of a Retry node attempts of one run, with their failure messages', () => {
    const r = argoAdapter(read('argo', 'failed-dag-workflow-with-retries.json'), ctx);
    assert.equal(r.kind, 'events');
    const events = r.kind === 'events' ? NormalizedRunEvent.array().parse(r.events) : [];
    const c = events.filter((e) => e.job.name === 'dag-disable-fail-fast.C');
    assert.deepEqual(c.map((e) => e.run.attempt).sort(), [1, 2]);
    assert.equal(new Set(c.map((e) => e.run.runKey)).size, 1);
    assert.ok(c.every((e) => e.eventType === 'failed' && e.error?.message === 'failed with exit code 2'));
    const wf = events.find((e) => e.job.name === 'dag-disable-fail-fast');
    assert.equal(wf?.eventType, 'failed');
    assert.equal(wf?.run.runKey, '734516b5-97f2-11e9-9fea-00163e00cf4e');
    assert.ok(events.filter((e) => e.parent).every((e) => e.parent?.runKey === wf?.run.runKey));
  });

  it('refuses a workflow without a name', () => {
    const r = argoAdapter({ metadata: {}, status: {} }, ctx);
    assert.deepEqual(r.kind === 'rejected' ? r.issues[0]?.path : [], ['metadata', 'name']);
  });
});

describe('the Control-M adapter', () => {
  const example = () => {
    const body = read('controlm', 'jobs-status-ended-not-ok.CONSTRUCTED-example.json');
    delete body._comment;
    return body;
  };

  it('reads "Ended Not OK" as a failure, its local times in the server time zone', () => {
    const r = controlmAdapter(example(), { ...ctx, timeZone: 'Europe/Berlin' });
    const [e] = r.kind === 'events' ? NormalizedRunEvent.array().parse(r.events) : [];
    assert.equal(e?.eventType, 'failed');
    assert.equal(e?.job.name, 'TestMonitor/Command');
    assert.equal(e?.run.runKey, 'workbench:0001k');
    // Jun 14, 2022 11:01:15 AM in Berlin (CEST, UTC+2)
    assert.equal(e?.startedAt?.toISOString(), '2022-06-14T09:01:15.000Z');
    assert.match(e?.error?.message ?? '', /Ended Not OK/);
  });

  it('crosses a daylight-saving change correctly', () => {
    const status = { jobId: 'ctm:0001', name: 'NIGHTLY', folder: 'F', status: 'Ended OK', numberOfRuns: 1,
      startTime: 'Oct 25, 2026 1:30:00 AM', endTime: 'Oct 25, 2026 3:30:00 AM' };
    const r = controlmAdapter(status, { ...ctx, timeZone: 'Europe/Berlin' });
    const e = r.kind === 'events' ? r.events[0] : undefined;
    // 01:30 CEST is 23:30Z; 03:30 CET is 02:30Z: three hours of wall clock, not two.
    assert.equal(e?.startedAt?.toISOString(), '2026-10-24T23:30:00.000Z');
    assert.equal(e?.endedAt?.toISOString(), '2026-10-25T02:30:00.000Z');
  });

  it('refuses an unreadable time with the path of the field', () => {
    const r = controlmAdapter({ statuses: [{ jobId: 'x:1', name: 'J', status: 'Ended OK', startTime: '2019/07/29 19:17' }] }, ctx);
    assert.equal(r.kind, 'rejected');
    assert.deepEqual(r.kind === 'rejected' ? r.issues[0]?.path : [], ['statuses', 0, 'startTime']);
  });

  it('counts reruns as attempts', () => {
    const r = controlmAdapter({ jobId: 'x:9', name: 'J', status: 'Executing', numberOfRuns: 3, startTime: 'Jul 29, 2019 7:17:33 PM' }, ctx);
    assert.equal(r.kind === 'events' ? r.events[0]?.run.attempt : 0, 3);
  });
});

describe('the generic adapter', () => {
  it('refuses unknown fields and times without an offset, with their paths', () => {
    const r = genericAdapter({ job: { namespace: 'a', name: 'b' }, run: { id: '1' }, type: 'failed', time: '2026-01-01T00:00:00', colour: 'red' }, ctx);
    assert.equal(r.kind, 'rejected');
    const paths = r.kind === 'rejected' ? r.issues.map((i) => i.path.join('.')) : [];
    assert.ok(paths.includes('time') && paths.includes(''), JSON.stringify(r));
  });

  it('defaults the run key to the run id and the attempt to 1', () => {
    const r = genericAdapter({ job: { namespace: 'a', name: 'b' }, run: { id: 'r1' }, type: 'completed', time: '2026-01-01T00:00:00Z' }, ctx);
    const e = r.kind === 'events' ? r.events[0] : undefined;
    assert.deepEqual(e?.run, { runKey: 'r1', externalId: 'r1', attempt: 1 });
  });
});
