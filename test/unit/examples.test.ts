/**
 * The scheduler examples as files: they parse, their parts refer to one another correctly, and
 * they use the fields their schedulers define. Running their scripts against a real Medic is
 * test/int/examples-*.int.test.ts.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { Action } from '../../src/policies/action.ts';
import { sharedData } from '../support/deps.ts';

const ROOT = new URL('../../', import.meta.url).pathname;
const read = (path: string) => readFileSync(`${ROOT}${path}`, 'utf8');
const ACTION_KINDS = new Set(Action.options.map((o) => o.shape.kind.value));

interface Step { name: string; template: string; when?: string; arguments?: { parameters: { name: string; value: string }[] } }
interface Template {
  name: string;
  steps?: Step[][];
  script?: { source: string; env: { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }[] };
  outputs?: { parameters: { name: string; valueFrom: { path: string; default?: string } }[] };
  inputs?: { parameters: { name: string }[] };
  retryStrategy?: Record<string, unknown> & { backoff?: Record<string, unknown> };
  suspend?: { duration: string };
  resource?: { action: string; mergeStrategy?: string; manifest: string };
}
interface Workflow { apiVersion: string; kind: string; spec: { entrypoint: string; onExit: string; arguments: { parameters: { name: string }[] }; templates: Template[] } }

describe('the Argo example', () => {
  const wf = parse(read('examples/argo/medic-exit-handler.yaml')) as Workflow;
  const byName = new Map(wf.spec.templates.map((t) => [t.name, t]));
  const handler = byName.get(wf.spec.onExit);
  const ask = byName.get('ask-medic');

  it('is a Workflow whose entrypoint and exit handler are its own templates, and whose steps call only those', () => {
    assert.deepEqual([wf.apiVersion, wf.kind], ['argoproj.io/v1alpha1', 'Workflow']);
    assert.ok(byName.has(wf.spec.entrypoint));
    assert.ok(handler?.steps, 'spec.onExit names a steps template');
    for (const step of handler.steps.flat()) assert.ok(byName.has(step.template), `${step.name} calls ${step.template}`);
  });

  it('acts only on actions Medic answers, through outputs the asking step declares', () => {
    const declared = new Set(ask?.outputs?.parameters.map((p) => p.name));
    const steps = handler?.steps?.flat() ?? [];
    const acted = steps.flatMap((s) => (s.when ? [/== (\w+)$/.exec(s.when)?.[1]] : []));
    assert.deepEqual(new Set(acted), new Set(['retry', 'hold_downstream']));
    for (const kind of acted) assert.ok(kind && ACTION_KINDS.has(kind as never), `${kind} is an action kind`);
    const used = [...JSON.stringify(steps).matchAll(/steps\.ask\.outputs\.parameters\.(\w+)/g)].map((m) => m[1]);
    for (const name of used) assert.ok(declared.has(name ?? ''), `ask-medic declares the output ${name}`);
    for (const p of ask?.outputs?.parameters ?? []) assert.ok(p.valueFrom.default !== undefined, `${p.name} has a default for when Medic did not answer`);
  });

  it('passes the workflow\'s failure context to the script and keeps the token in a secret', () => {
    const env = new Map(ask?.script?.env.map((e) => [e.name, e]));
    assert.equal(env.get('WORKFLOW_NAME')?.value, '{{workflow.name}}');
    assert.equal(env.get('WORKFLOW_STATUS')?.value, '{{workflow.status}}');
    assert.equal(env.get('WORKFLOW_FAILURES')?.value, '{{workflow.failures}}');
    assert.equal(env.get('ATTEMPT')?.value, '{{workflow.parameters.attempt}}');
    assert.ok(wf.spec.arguments.parameters.some((p) => p.name === 'attempt'));
    assert.deepEqual(env.get('MEDIC_TOKEN')?.valueFrom?.secretKeyRef, { name: 'medic', key: 'token' });
  });

  it('hands the token to curl on its standard input only, and leaves no {{…}} in the script for Argo to replace', () => {
    const source = ask?.script?.source ?? '';
    assert.match(source, /curl --config -/);
    assert.doesNotMatch(source, /-H ["']?authorization/i);
    assert.doesNotMatch(source, /set -x/);
    assert.doesNotMatch(source, /\{\{/);
  });

  it('uses the retryStrategy fields of Argo\'s API', () => {
    const swagger = JSON.parse(readFileSync(sharedData('formats', 'argo', 'argo-workflows-swagger-excerpt.json'), 'utf8')) as { definitions: Record<string, { properties: Record<string, unknown> }> };
    const fields = (name: string) => new Set(Object.keys(swagger.definitions[`io.argoproj.workflow.v1alpha1.${name}`]?.properties ?? {}));
    const retry = byName.get(wf.spec.entrypoint)?.retryStrategy;
    assert.ok(retry);
    for (const key of Object.keys(retry)) assert.ok(fields('RetryStrategy').has(key), `retryStrategy.${key}`);
    for (const key of Object.keys(retry.backoff ?? {})) assert.ok(fields('Backoff').has(key), `retryStrategy.backoff.${key}`);
  });

  it('waits Medic\'s delay, resubmits with the next attempt, and suspends the downstream CronWorkflow by a merge patch', () => {
    assert.equal(byName.get('wait')?.suspend?.duration, '{{inputs.parameters.seconds}}');
    const resubmit = handler?.steps?.flat().find((s) => s.template === 'resubmit');
    assert.deepEqual(resubmit?.arguments?.parameters, [{ name: 'attempt', value: '{{steps.ask.outputs.parameters.next_attempt}}' }]);
    const patch = byName.get('suspend-cron')?.resource;
    assert.deepEqual([patch?.action, patch?.mergeStrategy], ['patch', 'merge']);
    assert.deepEqual(parse(patch?.manifest ?? ''), {
      apiVersion: 'argoproj.io/v1alpha1', kind: 'CronWorkflow', metadata: { name: '{{workflow.parameters.downstream-cron}}' }, spec: { suspend: true },
    });
  });
});

type CtmObject = Record<string, unknown> & { Type?: string };

describe('the Control-M example', () => {
  const def = JSON.parse(read('examples/controlm/finance-close.json')) as Record<string, CtmObject>;
  const job = (folder: string, name: string) => def[folder]?.[name] as CtmObject | undefined;

  it('is jobs-as-code of two folders, the hooks folder ordered only on demand', () => {
    assert.deepEqual(Object.keys(def), ['FinanceClose', 'MedicHooks']);
    assert.equal(def.FinanceClose?.Type, 'Folder');
    assert.deepEqual([def.MedicHooks?.Type, def.MedicHooks?.OrderMethod], ['Folder', 'Manual']);
    const flow = job('FinanceClose', 'LoadThenPublish') as { Type: string; Sequence: string[] };
    assert.equal(flow.Type, 'Flow');
    for (const name of flow.Sequence) assert.equal(job('FinanceClose', name)?.Type, 'Job:Command');
  });

  it('orders MedicDecide when LoadDW ends NOTOK, with every variable its command reads', () => {
    const on = job('FinanceClose', 'LoadDW')?.IfNotOkAskMedic as CtmObject;
    assert.deepEqual([on.Type, on.CompletionStatus], ['If:CompletionStatus', 'NOTOK']);
    const run = on.AskMedic as { Type: string; Folder: string; Job: string; Variables: Record<string, string>[] };
    assert.equal(run.Type, 'Action:Run');
    const hook = job(run.Folder, run.Job);
    assert.equal(hook?.Type, 'Job:Command');
    const given = new Set(run.Variables.flatMap((v) => Object.keys(v)));
    const read = [...String(hook?.Command).matchAll(/%%(\w+)/g)].map((m) => m[1]);
    assert.ok(read.length >= 7);
    for (const name of read) assert.ok(given.has(name ?? ''), `%%${name} is passed by the Action:Run`);
    const system = run.Variables.flatMap((v) => Object.values(v)).join(' ');
    for (const v of ['%%JOBNAME', '%%ORDERID', '%%RUNCOUNT', '%%OSCOMPSTAT']) assert.ok(system.includes(v), v);
  });

  it('runs the hook script shipped beside it, which keeps the token off command lines', () => {
    const command = String(job('MedicHooks', 'MedicDecide')?.Command);
    assert.match(command, /^\/opt\/medic\/medic-decide\.sh /);
    assert.ok(existsSync(`${ROOT}examples/controlm/medic-decide.sh`));
    const script = read('examples/controlm/medic-decide.sh');
    assert.match(script, /curl --config -/);
    assert.match(script, /ctm run job::rerun/);
    assert.doesNotMatch(script, /set -x/);
  });
});

describe('the Airflow example\'s OpenLineage settings', () => {
  const env = Object.fromEntries(read('examples/airflow/openlineage.env').split('\n')
    .filter((l) => /^[A-Z_]+=/.test(l))
    .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1).replace(/^'(.*)'$/, '$1')]));

  it('send the provider\'s events over HTTP to Medic\'s OpenLineage endpoint with a bearer API key', () => {
    const transport = JSON.parse(env.AIRFLOW__OPENLINEAGE__TRANSPORT ?? '') as { type: string; url: string; endpoint: string; auth: { type: string; apiKey: string } };
    assert.equal(transport.type, 'http');
    assert.equal(`/${transport.endpoint}`, '/api/v1/lineage');
    assert.equal(new URL(transport.url).pathname, '/');
    assert.deepEqual(Object.keys(transport.auth), ['type', 'apiKey']);
    assert.equal(transport.auth.type, 'api_key');
  });

  it('name the Airflow instance the same for lineage and for decisions', () => {
    assert.equal(env.AIRFLOW__OPENLINEAGE__NAMESPACE, env.MEDIC_SOURCE);
  });
});
