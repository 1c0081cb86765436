import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, describe, it } from 'node:test';
import { AppError } from '../../src/errors.ts';
import { createBullQueue } from '../../src/queue/bullmq.ts';
import { createInProcessQueue } from '../../src/queue/in-process.ts';
import type { JobQueue } from '../../src/queue/queue.ts';
import { isRedisUnavailable } from '../../src/queue/unavailable.ts';
import { idleHandlers } from '../support/handlers.ts';
import { exited, freePort, startRedis, waitFor } from '../support/servers.ts';

const queues: { name: string; make: () => JobQueue }[] = [{ name: 'in-process', make: createInProcessQueue }];
const redisUrl = process.env.REDIS_URL;
if (redisUrl) {
  queues.push({ name: 'bullmq', make: () => createBullQueue({ redisUrl, name: `test-${randomBytes(4).toString('hex')}` }) });
}

function recordingHandlers(behaviour: (runId: number, attempt: number) => void) {
  const calls: { runId: number; attempt: number }[] = [];
  const handlers = idleHandlers({
    'analyse-failure': async ({ runId }, ctx) => {
      calls.push({ runId, attempt: ctx.attempt });
      behaviour(runId, ctx.attempt);
    },
  });
  return { calls, handlers };
}

if (redisUrl) {
  it('a BullMQ queue whose Redis does not answer fails its ping', async () => {
    // Nothing listens on port 1; the ping's own time limit is the caller's (readiness gives 2 s).
    const q = createBullQueue({ redisUrl: 'redis://127.0.0.1:1', name: `test-${randomBytes(4).toString('hex')}` });
    try {
      const outcome = await Promise.race([q.ping().then(() => 'answered', () => 'failed'), new Promise((r) => setTimeout(() => r('failed'), 3_000))]);
      assert.equal(outcome, 'failed');
    } finally {
      await Promise.race([q.close(), new Promise((r) => setTimeout(r, 1_000))]);
    }
  });

  it('a BullMQ queue whose Redis went away refuses an enqueue as unavailable rather than holding it, and queues again once Redis is back', { timeout: 60_000 }, async () => {
    const port = await freePort();
    let redis = await startRedis(port);
    const q = createBullQueue({ redisUrl: `redis://127.0.0.1:${port}`, name: `test-${randomBytes(4).toString('hex')}` });
    try {
      assert.equal((await q.enqueue('analyse-failure', { runId: 1, attempt: 1 })).kind, 'queued');
      redis.kill('SIGKILL');
      await exited(redis);
      // Held in an offline queue, this enqueue would wait (in memory) for as long as the outage lasts.
      await assert.rejects(q.enqueue('analyse-failure', { runId: 2, attempt: 1 }), (err) => isRedisUnavailable(err));
      redis = await startRedis(port);
      await waitFor('the queue to reconnect', () => q.ping().then(() => true, () => undefined), 20_000);
      assert.equal((await q.enqueue('analyse-failure', { runId: 3, attempt: 1 })).kind, 'queued');
    } finally {
      await Promise.race([q.close(), new Promise((r) => setTimeout(r, 1_000))]);
      redis.kill('SIGKILL');
    }
  });
}

for (const { name, make } of queues) {
  describe(`the ${name} queue`, () => {
    const opened: JobQueue[] = [];
    after(async () => {
      for (const q of opened) await q.close();
    });
    const open = () => {
      const q = make();
      opened.push(q);
      return q;
    };

    it('answers a ping while open (readiness)', async () => {
      await open().ping();
    });

    it('runs an enqueued job once with its payload', async () => {
      const q = open();
      const { calls, handlers } = recordingHandlers(() => undefined);
      q.startWorkers(handlers, { concurrency: 2 });
      await q.enqueue('analyse-failure', { runId: 7 });
      await q.drain(10_000);
      assert.deepEqual(calls, [{ runId: 7, attempt: 1 }]);
    });

    it('adds a job with the same id only once while it waits', async () => {
      const q = open();
      const { calls, handlers } = recordingHandlers(() => undefined);
      await q.enqueue('analyse-failure', { runId: 1 }, { jobId: 'same', delayMs: 200 });
      await q.enqueue('analyse-failure', { runId: 1 }, { jobId: 'same', delayMs: 200 });
      q.startWorkers(handlers, { concurrency: 2 });
      await q.drain(10_000);
      assert.equal(calls.length, 1);
    });

    it('retries a failing job with backoff until it succeeds', async () => {
      const q = open();
      const { calls, handlers } = recordingHandlers((_id, attempt) => {
        if (attempt < 3) throw new Error('database restarting');
      });
      q.startWorkers(handlers, { concurrency: 1 });
      await q.enqueue('analyse-failure', { runId: 3 });
      await q.drain(20_000);
      assert.deepEqual(calls.map((c) => c.attempt), [1, 2, 3]);
    });

    it('does not retry a job whose failure is final', async () => {
      const q = open();
      const failures: boolean[] = [];
      const { calls, handlers } = recordingHandlers(() => {
        throw new AppError('not_found', 'run 9 does not exist');
      });
      q.startWorkers(handlers, { concurrency: 1, onFailed: (f) => failures.push(f.final) });
      await q.enqueue('analyse-failure', { runId: 9 });
      await q.drain(10_000);
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(calls.length, 1);
      assert.deepEqual(failures, [true]);
    });

    it('folds a notification into its subject\'s waiting job, and runs one that comes while that job runs after it', async () => {
      const q = open();
      const { handlers } = recordingHandlers(() => undefined);
      let answer: () => void = () => undefined;
      const answered = new Promise<void>((resolve) => { answer = resolve; });
      let started: () => void = () => undefined;
      const firstStarted = new Promise<void>((resolve) => { started = resolve; });
      const runs: string[] = [];
      handlers.notify = async (event) => {
        runs.push(event.kind);
        started();
        await answered;
      };
      await q.enqueue('notify', { kind: 'vote.recorded', approvalId: 7 });
      await q.enqueue('notify', { kind: 'approval.lapsed', approvalId: 7 });
      q.startWorkers(handlers, { concurrency: 2 });
      await firstStarted;
      await q.enqueue('notify', { kind: 'vote.recorded', approvalId: 7 });
      answer();
      await q.drain(10_000);
      assert.deepEqual(runs, ['vote.recorded', 'vote.recorded']);
    });

    it('refuses a payload that does not fit the catalog', async () => {
      const q = open();
      await assert.rejects(q.enqueue('analyse-failure', { runId: -1 } as { runId: number }));
    });
  });
}
