import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createFakeArgo, type FakeArgo } from '../../src/fakes/argo.ts';
import { createFakeControlm, type FakeControlm } from '../../src/fakes/controlm.ts';
import { healConfig, ingestAndSettle, policiesFrom } from '../support/heal.ts';
import { testStores } from '../support/stores.ts';
import { workingAppForSuite } from '../support/world.ts';

const POLICIES = `
policies:
  - id: payroll-rerun
    description: Payroll reruns wait for the payroll on-call.
    match: { jobs: ["ctm-prod/Payroll/*"] }
    action: { kind: rerun }
    approval: { kind: one_of, groups: [data-oncall] }
  - id: features-retry
    description: Retries of the feature pipeline wait for the data on-call.
    match: { jobs: ["ml/feature-pipeline"] }
    action: { kind: retry, delay_s: 0 }
    approval: { kind: one_of, groups: [data-oncall] }
`;
const ARGO_TOKEN = 'argo-service-account-token';
const CTM_KEY = 'controlm-api-key-0123456789';

for (const store of testStores()) {
  describe(`approved actions through the Argo and Control-M executors (${store.name})`, () => {
    let argo: FakeArgo;
    let ctm: FakeControlm;
    const suite = workingAppForSuite(store, async () => {
      argo = await createFakeArgo({ token: ARGO_TOKEN });
      ctm = await createFakeControlm({ apiKey: CTM_KEY });
      const config = healConfig([
        { source: 'argo-ml', kind: 'argo', url: argo.url, token: ARGO_TOKEN },
        { source: 'ctm-prod', kind: 'controlm', url: ctm.url, auth: { kind: 'api-key', key: CTM_KEY } },
      ]);
      return { deps: { config, policies: await policiesFrom(POLICIES) }, close: () => Promise.all([argo.close(), ctm.close()]) };
    });

    const ask = async (job: string, runKey: string, source: string, message: string) => {
      const res = await suite.app.inject({ method: 'POST', url: '/v1/decide', payload: { input: { kind: 'failure', source, job, run: { key: runKey }, error: { message }, requester: source } } });
      assert.equal(res.statusCode, 200, res.body);
      return res.json() as { approval_id: number };
    };
    const approve = async (id: number) => {
      const res = await suite.app.inject({ method: 'POST', url: `/v1/approvals/${id}/approve`, payload: { as: 'alice' } });
      assert.equal(res.json().status, 'approved', res.body);
      await suite.deps.queue.drain(20_000);
      return (await suite.app.inject(`/v1/executions/${res.json().executionId}`)).json();
    };
    const status = async (url: string, headers: Record<string, string>) => (await fetch(url, { headers })).json() as Promise<unknown>;

    it('reruns a Control-M job order once approved, and verifies it by its next run', async () => {
      const job = ctm.addJob({ jobId: 'ctm-prod:00a1x', name: 'PAYROLL_CALC', folder: 'Payroll', status: 'Ended Not OK', numberOfRuns: 1,
        startTime: 'Nov 24, 2026 1:00:00 AM', endTime: 'Nov 24, 2026 1:20:00 AM' });
      await ingestAndSettle(suite.deps, 'controlm', 'ctm-prod', [{ ...job }]);
      const asked = await ask('ctm-prod/Payroll/PAYROLL_CALC', job.jobId, 'ctm-prod', 'Control-M job Payroll/PAYROLL_CALC ended with status "Ended Not OK"');
      const approval = (await suite.app.inject(`/v1/approvals/${asked.approval_id}`)).json();
      assert.equal(approval.dry_run.url, `${ctm.url}/run/job/ctm-prod%3A00a1x/rerun`);
      assert.equal(approval.dry_run.headers['x-api-key'], '••••', 'the dry run shows no secret');
      const execution = await approve(asked.approval_id);
      assert.equal(execution.state, 'executed');
      const reruns = ctm.calls.filter((c) => c.method === 'POST' && c.path.endsWith('/rerun'));
      assert.equal(reruns.length, 1);
      assert.equal(reruns[0]?.headers['x-api-key'], CTM_KEY);
      ctm.complete(job.jobId, 'Ended OK');
      await ingestAndSettle(suite.deps, 'controlm', 'ctm-prod', [await status(`${ctm.url}/run/job/ctm-prod%3A00a1x/status`, { 'x-api-key': CTM_KEY })]);
      assert.equal((await suite.app.inject(`/v1/executions/${execution.id}`)).json().verification, 'succeeded');
    });

    it('retries a failed Argo workflow in place once approved, and verifies it when the workflow succeeds', async () => {
      const wf = argo.addWorkflow({ namespace: 'ml', name: 'feature-pipeline-x7k2p', phase: 'Failed', generateName: 'feature-pipeline-' });
      await ingestAndSettle(suite.deps, 'argo', 'argo-ml', [structuredClone(wf)]);
      const asked = await ask('ml/feature-pipeline', wf.metadata.uid, 'argo-ml', 'workflow feature-pipeline-x7k2p failed');
      const approval = (await suite.app.inject(`/v1/approvals/${asked.approval_id}`)).json();
      assert.equal(approval.dry_run.method, 'PUT');
      assert.equal(approval.dry_run.url, `${argo.url}/api/v1/workflows/ml/feature-pipeline-x7k2p/retry`);
      const execution = await approve(asked.approval_id);
      assert.equal(execution.state, 'executed', JSON.stringify(execution.outcome));
      assert.equal(argo.calls.filter((c) => c.method === 'PUT').length, 1);
      assert.equal(argo.workflow('ml', 'feature-pipeline-x7k2p')?.status.phase, 'Running');
      argo.complete('ml', 'feature-pipeline-x7k2p', 'Succeeded');
      await ingestAndSettle(suite.deps, 'argo', 'argo-ml', [await status(`${argo.url}/api/v1/workflows/ml/feature-pipeline-x7k2p`, { authorization: `Bearer ${ARGO_TOKEN}` })]);
      assert.equal((await suite.app.inject(`/v1/executions/${execution.id}`)).json().verification, 'succeeded');
    });
  });
}
