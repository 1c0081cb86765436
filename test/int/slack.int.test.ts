import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { createFakeAirflow, type FakeAirflow } from '../../src/fakes/airflow.ts';
import { ServiceDefinition } from '../../src/sla/schema.ts';
import { applyService } from '../../src/sla/sql.ts';
import { airflowConnection, airflowTry, failureInput, GATED_POLICIES, healConfig, ingestAndSettle, minutesAgo, policiesFrom } from '../support/heal.ts';
import { waitFor } from '../support/servers.ts';
import {
  BOT_TOKEN, SIGNING_SECRET, blockText, buttons, clickBody, commandBody, signed, startLocalSlack, type LocalSlack,
} from '../support/slack.ts';
import { testStores } from '../support/stores.ts';
import { workingAppForSuite } from '../support/world.ts';

/** One failure per test, each its own signature (and so its own incident). */
const FAILURES: Record<string, string> = {
  r1: 'psycopg2.OperationalError: could not connect to server: Connection refused',
  r2: 'OSError: [Errno 28] No space left on device',
  r3: 'KeyError: customer_segment',
  r4: 'botocore.exceptions.NoCredentialsError: Unable to locate credentials',
  r5: 'MemoryError: unable to allocate array',
  r6: 'snowflake.connector.errors.ProgrammingError: warehouse suspended',
  r7: 'airflow.exceptions.AirflowTaskTimeout: task timed out',
  r8: 'requests.exceptions.SSLError: certificate verify failed',
};
const PUBLIC_URL = 'https://medic.example.com';
// Twelve hours from now, so the SLA check never turns the gated retry into a page, whatever the hour the suite runs.
const DEADLINE = new Date(Date.now() + 12 * 3600_000).toISOString().slice(11, 16);
// dana is known by her Slack user id, erin only by her email (users.info), carol is in another group.
const APPROVERS = [
  { name: 'dana', groups: ['data-oncall'], slack_user_id: 'U0DANA' },
  { name: 'erin', groups: ['data-oncall'], email: 'erin@example.com' },
  { name: 'carol', groups: ['finance-data'], slack_user_id: 'U0CAROL' },
];

for (const store of testStores()) {
  describe(`Slack triage (${store.name})`, () => {
    let fake: FakeAirflow;
    let slack: LocalSlack;
    const suite = workingAppForSuite(store, async () => {
      slack = await startLocalSlack({ U0ERIN: 'Erin@Example.com' });
      fake = await createFakeAirflow({ api: 'v2' });
      fake.state.addDag('finance_close', { extract: ['load_dw', 'load_ledger'], load_dw: ['publish_reports'], load_ledger: [], publish_reports: [] });
      const config = healConfig([airflowConnection(fake)], {
        MEDIC_APPROVERS: JSON.stringify(APPROVERS), SLACK_SIGNING_SECRET: SIGNING_SECRET, SLACK_BOT_TOKEN: BOT_TOKEN,
        SLACK_API_URL: slack.apiUrl, MEDIC_PUBLIC_URL: PUBLIC_URL,
      });
      return { deps: { config, policies: await policiesFrom(GATED_POLICIES) }, close: async () => { await fake.close(); await slack.close(); } };
    });
    before(async () => {
      await applyService(suite.db.pool, ServiceDefinition.parse({
        name: 'finance-close', title: 'Financial close', channel: '#finance-oncall', deadline: { kind: 'time', at: DEADLINE, timeZone: 'UTC' },
        jobs: ['load_dw', 'load_ledger', 'publish_reports'].map((t) => ({ job: `airflow-prod/finance_close.${t}` })),
      }));
    });

    /** A failed first try of `task` in `run`, analysed into an incident; then the decision its callback asks for, and the queue settled. */
    async function failedTry(task: string, run: string, extra: Record<string, unknown> = {}) {
      const message = FAILURES[run] ?? 'RuntimeError: unexpected failure';
      fake.state.addTaskInstance({ dag_id: 'finance_close', dag_run_id: run, task_id: task, state: 'failed', try_number: 1 });
      await ingestAndSettle(suite.deps, 'openlineage', 'airflow-prod', airflowTry({ dag: 'finance_close', run, task, try: 1, state: 'failed', start: minutesAgo(10), end: minutesAgo(5), message }));
      const res = await suite.app.inject({ method: 'POST', url: '/v1/decide', payload: failureInput(`airflow-prod/finance_close.${task}`, run, message, extra) });
      assert.equal(res.statusCode, 200, res.body);
      const approvalId = (res.json() as { approval_id: number | null }).approval_id;
      assert.ok(approvalId);
      await suite.deps.queue.drain(20_000);
      const incidentId = (await suite.db.pool.query<{ incident_id: number }>('select incident_id from approvals where id = $1', [approvalId])).rows[0]?.incident_id;
      assert.ok(incidentId);
      return { approvalId, incidentId };
    }
    /** The incident's message as it stands in Slack, and its thread. */
    async function messageOf(incidentId: number) {
      const row = (await suite.db.pool.query<{ ts: string }>('select ts from slack_messages where subject = $1', [`incident:${incidentId}`])).rows[0];
      const m = row ? slack.current(row.ts) : undefined;
      assert.ok(m, `incident ${incidentId} has a message`);
      return { ...m, thread: slack.posts.filter((p) => p.thread_ts === m.ts).map((p) => p.text) };
    }
    let sent = 0;
    /** Posts a signed request to /slack/events, as Slack would. */
    const send = (body: string, headers = signed(body)) => suite.app.inject({ method: 'POST', url: '/slack/events', payload: body, headers });
    const click = (userId: string, actionId: string, value: string) => {
      sent += 1;
      const url = slack.responseUrl(`click-${sent}`);
      // Slack gives every click its own trigger id, good once.
      const triggerId = `4916855695380.${sent}.medictrigger`;
      return { url, triggerId, body: clickBody({ userId, actionId, value, responseUrl: url, triggerId }) };
    };
    /** The response_url answer to a request, once it arrives. */
    const answerTo = (url: string) => waitFor(`the answer at ${url}`, () => slack.responses.find((r) => url.endsWith(r.path))?.body, 10_000);
    const votes = async (approvalId: number) => (await suite.db.pool.query('select approver, verdict, via from approval_votes where approval_id = $1 order by id', [approvalId])).rows;
    const statusOf = async (approvalId: number) => (await suite.db.pool.query<{ status: string }>('select status from approvals where id = $1', [approvalId])).rows[0]?.status;

    it('posts a new incident to its service\'s channel with the failure, its signature, the evidence and Approve, Reject and Details', async () => {
      const { approvalId, incidentId } = await failedTry('load_dw', 'r1');
      const m = await messageOf(incidentId);
      assert.equal(m.channel, slack.channelId('#finance-oncall'));
      assert.equal(slack.posts.filter((p) => !p.thread_ts).length, 1, 'the incident and its approval request share one message');
      assert.deepEqual(buttons(m.blocks), [`medic.approve=approval:${approvalId}`, `medic.reject=approval:${approvalId}`, `medic.details=incident:${incidentId}`]);
      const text = blockText(m.blocks);
      assert.match(text, /finance_close\.load_dw/);
      assert.match(text, /could not connect to server/);
      assert.match(text, /\*Signature\*/);
      assert.match(text, /What fixed similar failures/);
      assert.match(text, /\*Financial close\*|finance-close/);
      assert.match(text, /\*Proposed action\* retry · policy `load-retry-gated`/);
      assert.match(text, /0 of 1/);
      assert.match(text, new RegExp(`${PUBLIC_URL}/v1/incidents/${incidentId}`));
      assert.match(m.text, new RegExp(`Incident ${incidentId}: airflow-prod/finance_close.load_dw failed`));
    });

    it('records a valid click as the mapped approver, updates the message in place and tells the thread who approved, what ran, and how it ended', async () => {
      const { approvalId, incidentId } = await failedTry('load_dw', 'r2');
      const updatesBefore = slack.updates.length;
      const c = click('U0DANA', 'medic.approve', `approval:${approvalId}`);
      const res = await send(c.body);
      assert.equal(res.statusCode, 200);
      assert.equal(res.body, '', 'a click is acknowledged at once, with nothing to show');
      assert.deepEqual(await answerTo(c.url), { response_type: 'ephemeral', text: `*dana* approved approval ${approvalId} (retry): the request is approved.`, replace_original: false });
      assert.deepEqual(await votes(approvalId), [{ approver: 'dana', verdict: 'approve', via: 'slack' }]);
      await suite.deps.queue.drain(20_000);
      assert.equal(await statusOf(approvalId), 'approved');
      const m = await messageOf(incidentId);
      assert.ok(slack.updates.length > updatesBefore, 'the message was updated');
      assert.deepEqual(buttons(m.blocks), [`medic.details=incident:${incidentId}`], 'no buttons left to click twice');
      assert.match(blockText(m.blocks), /Approved\* by dana/);
      assert.match(m.thread.join('\n'), /Approved\* by dana/);
      assert.match(m.thread.join('\n'), /Executed\*/);

      fake.state.tick();
      fake.state.tick();
      fake.state.complete('finance_close', 'r2', 'load_dw', 'success');
      await ingestAndSettle(suite.deps, 'openlineage', 'airflow-prod', airflowTry({ dag: 'finance_close', run: 'r2', task: 'load_dw', state: 'success', try: 2, start: minutesAgo(2), end: minutesAgo(0) }));
      const done = await messageOf(incidentId);
      assert.match(done.thread.join('\n'), /Verified\*/);
      assert.match(done.thread.at(-1) ?? '', /Resolved\*: retry by dana/);
      assert.match(blockText(done.blocks), /Resolved · finance_close\.load_dw/);
      assert.equal(new Set(done.thread).size, done.thread.length, 'each step is told once');
    });

    it('refuses a bad signature, a stale or future timestamp and a replay with 401, and records nothing', async () => {
      const { approvalId } = await failedTry('load_dw', 'r3');
      const c = click('U0DANA', 'medic.approve', `approval:${approvalId}`);
      // Five minutes and a few seconds away, counted when each request is signed: a slow machine
      // must not bring a timestamp back inside the window.
      const away = (s: number) => Math.floor(Date.now() / 1000) + s;
      const refused = [
        await send(c.body, signed(c.body, { secret: 'not-the-signing-secret' })),
        await send(c.body, signed(c.body, { timestamp: away(-310) })),
        await send(c.body, signed(c.body, { timestamp: away(310) })),
        await send(`${c.body}&x=1`, signed(c.body)),
        await send(c.body, { 'content-type': 'application/x-www-form-urlencoded' }),
      ];
      assert.deepEqual(refused.map((r) => r.statusCode), [401, 401, 401, 401, 401]);
      assert.match(refused[1]?.json().error.message, /away from now/);
      // A request Slack did sign is good once: the same bytes again are a replay.
      const ask = click('U0DANA', 'medic.reject', `approval:${approvalId}`);
      const headers = signed(ask.body);
      assert.equal((await send(ask.body, headers)).statusCode, 200);
      await answerTo(ask.url);
      const replay = await send(ask.body, headers);
      assert.equal(replay.statusCode, 401);
      assert.match(replay.json().error.message, /seen before/);
      await suite.deps.queue.drain(20_000);
      assert.deepEqual(await votes(approvalId), []);
      assert.equal(await statusOf(approvalId), 'pending');
      assert.equal(slack.responses.filter((r) => c.url.endsWith(r.path)).length, 0);
      assert.equal(slack.responses.filter((r) => ask.url.endsWith(r.path)).length, 1);
    });

    it('answers an unmapped Slack user privately and records nothing', async () => {
      const { approvalId, incidentId } = await failedTry('load_dw', 'r4');
      const updates = slack.updates.length;
      const c = click('U0NOBODY', 'medic.approve', `approval:${approvalId}`);
      assert.equal((await send(c.body)).statusCode, 200);
      const answer = await answerTo(c.url);
      assert.equal(answer.response_type, 'ephemeral');
      assert.match(String(answer.text), /not a Medic approver: add "slack_user_id": "U0NOBODY"/);
      await suite.deps.queue.drain(20_000);
      assert.deepEqual(await votes(approvalId), []);
      assert.equal(await statusOf(approvalId), 'pending');
      assert.equal(slack.updates.length, updates);
      assert.ok(buttons((await messageOf(incidentId)).blocks).includes(`medic.approve=approval:${approvalId}`));
    });

    it('refuses a self-approval where separation of duties applies, privately, and leaves the request pending', async () => {
      const { approvalId } = await failedTry('load_ledger', 'r5', { requester: 'dana' });
      const updates = slack.updates.length;
      const c = click('U0DANA', 'medic.approve', `approval:${approvalId}`);
      assert.equal((await send(c.body)).statusCode, 200);
      const answer = await answerTo(c.url);
      assert.equal(answer.response_type, 'ephemeral');
      assert.match(String(answer.text), /separation of duties/);
      await suite.deps.queue.drain(20_000);
      assert.deepEqual(await votes(approvalId), []);
      assert.equal(await statusOf(approvalId), 'pending');
      assert.equal(slack.updates.length, updates);
    });

    it('needs two different Slack users for a quorum of two, one mapped by id and one by email', async () => {
      const { approvalId, incidentId } = await failedTry('publish_reports', 'r6');
      const first = click('U0DANA', 'medic.approve', `approval:${approvalId}`);
      await send(first.body);
      assert.match(String((await answerTo(first.url)).text), /1 of 2 approvals so far/);
      await suite.deps.queue.drain(20_000);
      assert.match(blockText((await messageOf(incidentId)).blocks), /1 of 2/);
      const again = click('U0DANA', 'medic.approve', `approval:${approvalId}`);
      await send(again.body);
      assert.match(String((await answerTo(again.url)).text), /already voted/);
      const outsider = click('U0CAROL', 'medic.approve', `approval:${approvalId}`);
      await send(outsider.body);
      assert.match(String((await answerTo(outsider.url)).text), /not in data-oncall/);
      assert.equal(await statusOf(approvalId), 'pending');
      const second = click('U0ERIN', 'medic.approve', `approval:${approvalId}`);
      await send(second.body);
      assert.match(String((await answerTo(second.url)).text), /\*erin\* approved .*the request is approved/);
      await suite.deps.queue.drain(20_000);
      assert.deepEqual((await votes(approvalId)).map((v) => v.approver), ['dana', 'erin']);
      const m = await messageOf(incidentId);
      assert.match(m.thread.join('\n'), /\*dana\* :ballot_box_with_check: approved \(via slack\)/);
      assert.match(m.thread.join('\n'), /Approved\* by dana, erin/);
    });

    it('asks for a reason when Reject is clicked, opens the evidence in a modal on Details, and shows it privately when the trigger expired', async () => {
      const { approvalId, incidentId } = await failedTry('load_dw', 'r7');
      const reject = click('U0DANA', 'medic.reject', `approval:${approvalId}`);
      await send(reject.body);
      assert.deepEqual(await answerTo(reject.url), { response_type: 'ephemeral', text: `To reject approval ${approvalId}, say why: \`/medic reject ${approvalId} <reason>\``, replace_original: false });
      const evidence = (text: string) => {
        assert.match(text, /Votes on this version\*\n• none yet/);
        assert.match(text, /Dry run\* `POST http:\/\/127\.0\.0\.1:\d+\/api\/v2\/dags\/finance_close\/clearTaskInstances`/);
        assert.match(text, new RegExp(`${PUBLIC_URL}/v1/audit\\?approval=${approvalId}`));
      };
      const details = click('U0NOBODY', 'medic.details', `incident:${incidentId}`);
      await send(details.body);
      const opened = await waitFor('the Details modal', () => slack.views.find((v) => v.trigger_id === details.triggerId), 10_000);
      assert.equal(opened.view.type, 'modal');
      assert.deepEqual([opened.view.title.text, opened.view.close?.text], [`Incident ${incidentId}`, 'Close']);
      assert.ok(opened.view.blocks.length <= 100);
      assert.deepEqual(buttons(opened.view.blocks), [], 'the modal only shows');
      evidence(blockText(opened.view.blocks));

      // Slack's trigger lasts three seconds: past them, views.open fails and the clicker gets the same privately.
      const late = click('U0NOBODY', 'medic.details', `incident:${incidentId}`);
      slack.expireTrigger(late.triggerId);
      await send(late.body);
      const shown = await answerTo(late.url);
      assert.equal(shown.response_type, 'ephemeral');
      evidence(blockText(shown.blocks as never));
      assert.ok(slack.calls.some((c) => c.path === '/api/views.open' && (c.body as { trigger_id?: string }).trigger_id === late.triggerId), 'views.open was tried first');
      assert.equal(slack.views.filter((v) => v.trigger_id === late.triggerId).length, 0);
      assert.equal(slack.responses.filter((r) => details.url.endsWith(r.path)).length, 0, 'an opened modal is not also posted');
      assert.equal(await statusOf(approvalId), 'pending');
    });

    it('answers /medic help, incidents, incident, forecast, approve and reject, privately except a recorded vote', async () => {
      const { approvalId, incidentId } = await failedTry('load_ledger', 'r8');
      const command = async (userId: string, text: string) => {
        const body = commandBody({ userId, text, responseUrl: slack.responseUrl('command') });
        const res = await send(body);
        assert.equal(res.statusCode, 200, res.body);
        return res.json() as { response_type: string; text: string; blocks?: never };
      };
      assert.match((await command('U0DANA', 'help')).text, /\/medic forecast SERVICE/);
      assert.match((await command('U0DANA', '')).text, /\/medic incidents/);
      const open = await command('U0DANA', 'incidents');
      assert.equal(open.response_type, 'ephemeral');
      assert.match(open.text, new RegExp(`#${incidentId}\\b`));
      const one = await command('U0DANA', `incident ${incidentId}`);
      assert.ok(buttons(one.blocks ?? []).includes(`medic.approve=approval:${approvalId}`));
      assert.match((await command('U0DANA', 'forecast finance-close')).text, /Financial close, \d+ % chance to miss its deadline/);
      assert.match((await command('U0DANA', 'forecast no-such-service')).text, /no service "no-such-service"/);
      assert.match((await command('U0DANA', `reject ${approvalId}`)).text, /Say why/);
      const stranger = await command('U0NOBODY', `approve ${approvalId}`);
      assert.equal(stranger.response_type, 'ephemeral');
      assert.equal(await statusOf(approvalId), 'pending');
      const no = await command('U0DANA', `reject ${approvalId} the ledger is being restored`);
      assert.equal(no.response_type, 'in_channel');
      assert.match(no.text, /\*dana\* rejected approval \d+ \(retry\): the request is rejected/);
      assert.deepEqual(await votes(approvalId), [{ approver: 'dana', verdict: 'reject', via: 'slack' }]);
      await suite.deps.queue.drain(20_000);
      assert.match(blockText((await messageOf(incidentId)).blocks), /Rejected\* by dana: the ledger is being restored/);
      assert.match((await command('U0DANA', 'frobnicate')).text, /Unknown command "frobnicate"/);
    });

    it('answers Slack\'s URL verification and acknowledges events and other interactions', async () => {
      const challenge = JSON.stringify({ token: 'x', challenge: '3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P', type: 'url_verification' });
      const res = await send(challenge, signed(challenge, { contentType: 'application/json' }));
      assert.deepEqual(res.json(), { challenge: '3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P' });
      const event = JSON.stringify({ type: 'event_callback', event: { type: 'app_home_opened' } });
      assert.equal((await send(event, signed(event, { contentType: 'application/json' }))).statusCode, 200);
      const modal = new URLSearchParams({ payload: JSON.stringify({ type: 'view_closed', user: { id: 'U0DANA' } }) }).toString();
      assert.equal((await send(modal)).statusCode, 200);
      const other = 'text=hello';
      assert.equal((await send(other, signed(other, { contentType: 'text/plain' }))).statusCode, 415);
    });
  });
}
