import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Deps } from '../../src/deps.ts';
import { AppError } from '../../src/errors.ts';
import { buildHandlers } from '../../src/handlers.ts';
import { deliver } from '../../src/slack/deliver.ts';
import { createBullQueue } from '../../src/queue/bullmq.ts';
import { createInProcessQueue } from '../../src/queue/in-process.ts';
import { recordRisk } from '../../src/sla/risks.ts';
import { ServiceDefinition } from '../../src/sla/schema.ts';
import type { ServiceForecast } from '../../src/sla/service-forecast.ts';
import { applyService } from '../../src/sla/sql.ts';
import { testConfig, testDeps } from '../support/deps.ts';
import { BOT_TOKEN, SIGNING_SECRET, blockText, startLocalSlack, type LocalSlack } from '../support/slack.ts';
import { testStores, type TestDatabase } from '../support/stores.ts';

const MIN = 60_000;
// One instant for every forecast of the file: messages show times to the second, so a forecast
// made a second later would differ from an earlier one with the same chance, and rightly update.
const NOW = Date.now();

/** A forecast of `service`'s instance as the sweep would record it: `p` to miss, load_dw to recover within 20 minutes. */
function forecastOf(service: string, instance: string, p: number): ServiceForecast {
  const now = NOW;
  const deadline = new Date(now + 60 * MIN);
  const atRisk = p >= 0.3;
  return {
    service, at: new Date(now), instance: { key: instance, start: new Date(now - 60 * MIN), deadline }, jobs: [],
    forecast: {
      pBreach: p, eta: { p50: new Date(now + 55 * MIN), p90: new Date(now + 75 * MIN) }, fan: [], slackMs: -15 * MIN,
      criticalPath: ['airflow-prod/close.extract_erp', 'airflow-prod/close.load_dw'], criticality: [],
      timeToAct: { job: 'airflow-prod/close.load_dw', latest: new Date(now + 20 * MIN) }, samples: 2_000,
    },
    atRisk, downstream: atRisk ? ['dashboard'] : [],
    impact: [{ service: 'dashboard', via: service, deadline: new Date(now + 90 * MIN), pMiss: p * 0.9, atRisk, medianLagMs: 20 * MIN, basis: 'history' }],
    summary: atRisk
      ? `*Month close* is at risk: ${Math.round(p * 100)} % chance to miss 06:00. If *load_dw* does not recover by 05:20, *dashboard* misses its deadline.`
      : `*Month close* is on track: ${Math.round(p * 100)} % chance to miss 06:00.`,
  };
}

for (const store of testStores()) {
  // The pairs Medic runs as: the embedded store with the in-process queue, PostgreSQL with BullMQ on Redis.
  const redisUrl = store.name === 'postgres' ? process.env.REDIS_URL : undefined;
  describe(`Slack messages about SLA risks, through Slack outages (${store.name}, ${redisUrl ? 'bullmq' : 'in-process'} queue)`, () => {
    let db: TestDatabase;
    let deps: Deps;
    let slack: LocalSlack;
    const failures: { error: unknown; final: boolean }[] = [];

    before(async () => {
      db = await store.open();
      slack = await startLocalSlack();
      const queue = redisUrl ? createBullQueue({ redisUrl, name: `test-slack-${randomBytes(4).toString('hex')}` }) : createInProcessQueue();
      const config = testConfig({
        SLACK_SIGNING_SECRET: SIGNING_SECRET, SLACK_BOT_TOKEN: BOT_TOKEN, SLACK_API_URL: slack.apiUrl,
        SLACK_CHANNELS: JSON.stringify({ archive: 'C_GONE' }), SLACK_DEFAULT_CHANNEL: '#data-sla',
      });
      deps = testDeps(db, { config, queue });
      deps.queue.startWorkers(buildHandlers(deps), { concurrency: 2, onFailed: (f) => failures.push({ error: f.error, final: f.final }) });
      for (const [name, channel] of [['close', '#close-oncall'], ['ledger', undefined], ['archive', '#archive']] as const) {
        await applyService(db.pool, ServiceDefinition.parse({
          name, title: 'Month close', deadline: { kind: 'time', at: '06:00', timeZone: 'UTC' }, jobs: [{ job: `airflow-prod/${name}.load_dw` }],
          ...(channel ? { channel } : {}),
        }));
      }
    });
    after(async () => {
      await deps.queue.close();
      await deps.decisionLog.close();
      await slack.close();
      await db.close();
    });

    /** Records the forecast as the sweep does, and publishes what it came to. */
    async function sweepTo(f: ServiceForecast) {
      const o = await recordRisk(db.pool, f);
      if (o.kind === 'raised' || o.kind === 'updated' || o.kind === 'cleared') await deps.notifier.publish({ kind: `sla_risk.${o.kind}`, service: o.service, instance: o.instance });
      await deps.queue.drain(60_000);
      return o.kind;
    }
    const messageOf = async (service: string, instance: string) => {
      const ts = (await db.pool.query<{ ts: string }>('select ts from slack_messages where subject = $1', [`risk:${service}:${instance}`])).rows[0]?.ts;
      return ts ? slack.current(ts) : undefined;
    };

    it('posts an SLA risk to its service\'s channel, updates the same message as it changes, and says in the thread when it clears', async () => {
      assert.equal(await sweepTo(forecastOf('close', 'day-1', 0.72)), 'raised');
      const m = await messageOf('close', 'day-1');
      assert.ok(m);
      assert.equal(m.channel, slack.channelId('#close-oncall'));
      const text = blockText(m.blocks);
      assert.match(text, /SLA at risk · Month close/);
      assert.match(text, /72 %/);
      assert.match(text, /\*Time to act\*\n\*close\.load_dw\* by <!date\^\d+\^\{time\}\|/);
      assert.match(text, /\*Critical path\* close\.extract_erp → close\.load_dw/);
      assert.match(text, /\*dashboard\*: 65 % chance to miss/);
      assert.equal(await sweepTo(forecastOf('close', 'day-1', 0.81)), 'updated');
      assert.equal(slack.updates.length, 1);
      assert.match(blockText(slack.updates[0]?.blocks ?? []), /81 %/);
      assert.equal(slack.updates[0]?.ts, m.ts, 'the same message, updated in place');
      assert.equal(await sweepTo(forecastOf('close', 'day-1', 0.81)), 'updated');
      assert.equal(slack.updates.length, 1, 'an unchanged message is not updated again');
      assert.equal(await sweepTo(forecastOf('close', 'day-1', 0.05)), 'cleared');
      const cleared = await messageOf('close', 'day-1');
      assert.match(blockText(cleared?.blocks ?? []), /Back on track · Month close/);
      assert.deepEqual(slack.posts.filter((p) => p.thread_ts === m.ts).map((p) => p.text), [':large_green_circle: *Back on track*: *Month close* is on track: 5 % chance to miss 06:00.']);
      assert.equal(slack.posts.filter((p) => !p.thread_ts).length, 1);
    });

    it('posts once however often the job is delivered, and lets one worker at a time talk to Slack about a subject', async () => {
      await recordRisk(db.pool, forecastOf('close', 'day-2', 0.5));
      const event = { kind: 'sla_risk.raised', service: 'close', instance: 'day-2' } as const;
      const together = await Promise.allSettled([deliver(deps, event), deliver(deps, event)]);
      const busy = together.filter((r) => r.status === 'rejected');
      assert.ok(busy.every((r) => r.reason instanceof AppError && r.reason.code === 'unavailable' && r.reason.retryAfterMs !== undefined), 'the other waits its turn on the queue');
      assert.deepEqual(await deliver(deps, event), { kind: 'delivered', subject: 'risk:close:day-2', posted: false, updated: false, replies: 0 });
      const m = await messageOf('close', 'day-2');
      assert.equal(slack.posts.filter((p) => p.ts === m?.ts).length, 1);
    });

    it('delays a message through 500s and a 429 with Retry-After, and posts it once', async () => {
      const calls = () => slack.calls.filter((c) => c.path === '/api/chat.postMessage');
      const before = calls().length;
      slack.failNext([500, 500, { status: 429, retryAfter: 1, body: { ok: false, error: 'ratelimited' } }], { path: 'chat.postMessage' });
      await sweepTo(forecastOf('ledger', 'day-1', 0.6));
      const tries = calls().slice(before);
      assert.equal(tries.length, 4, 'three refused, the fourth accepted');
      const [, , limited, accepted] = tries;
      assert.ok(limited && accepted && accepted.receivedAt - limited.receivedAt >= 950, `Retry-After waited out: ${(accepted?.receivedAt ?? 0) - (limited?.receivedAt ?? 0)} ms`);
      const m = await messageOf('ledger', 'day-1');
      assert.equal(m?.channel, slack.channelId('#data-sla'), 'a service without a channel goes to SLACK_DEFAULT_CHANNEL');
      assert.equal(slack.posts.filter((p) => p.channel === m?.channel).length, 1, 'posted once');
      assert.ok(failures.slice(-3).every((f) => !f.final && f.error instanceof AppError && f.error.code === 'unavailable'));
      assert.equal((failures.at(-1)?.error as AppError).retryAfterMs, 1_000);
    });

    it('gives up at once when Slack does not know the channel', async () => {
      const before = slack.calls.length;
      const failed = failures.length;
      await sweepTo(forecastOf('archive', 'day-1', 0.9));
      assert.deepEqual(slack.calls.slice(before).map((c) => c.path), ['/api/chat.postMessage']);
      assert.equal(failures.length, failed + 1);
      const last = failures.at(-1);
      assert.equal(last?.final, true);
      assert.match(String((last?.error as Error).message), /chat.postMessage: Slack answered channel_not_found/);
    });
  });
}
