import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { breakCycles, topological } from '../../src/sla/lineage-dag.ts';
import { resolveWith, type EdgeSource } from '../../src/sla/lineage.ts';
import type { LearnedEdgeRow } from '../../src/sla/lineage-sql.ts';
import { parseServiceFile } from '../../src/sla/parse-file.ts';
import { ServiceDefinition } from '../../src/sla/schema.ts';

const seen = new Date('2026-11-20T01:00:00Z');

/** Learned edges held in memory, as `upstream > downstream` or `upstream >dataset> downstream`; counts the levels asked for. */
function memorySource(lines: string[]): EdgeSource & { calls: number } {
  const rows = lines.map((l) => {
    const [up = '', via = '', down = ''] = l.split(/\s+(>[^>\s]*>|>)\s+/);
    const dataset = via.length > 1 ? via.slice(1, -1) : null;
    return { up, down, dataset };
  });
  const names = [...new Set(rows.flatMap((r) => [r.up, r.down]))];
  const id = new Map(names.map((n, i) => [n, i + 1]));
  const source = {
    calls: 0,
    ids: async (wanted: string[]) => new Map(wanted.filter((n) => id.has(n)).map((n) => [n, id.get(n) as number])),
    into: async (ids: number[]): Promise<LearnedEdgeRow[]> => {
      source.calls += 1;
      return rows.filter((r) => ids.includes(id.get(r.down) ?? 0)).map((r) => ({
        upstream: r.up, upstream_id: id.get(r.up) ?? 0, downstream: r.down, downstream_id: id.get(r.down) ?? 0,
        via: r.dataset ? 'dataset' : 'declared', dataset: r.dataset, first_seen_at: seen, last_seen_at: seen,
      }));
    },
  };
  return source;
}

const service = (over: Record<string, unknown>) => ServiceDefinition.parse({ name: 's', deadline: { kind: 'duration', minutes: 60 }, ...over });
const afters = (jobs: { job: string; after: string[] }[]) => Object.fromEntries(jobs.map((j) => [j.job, j.after.join(', ')]));

describe('service definitions by terminal job', () => {
  it('takes a service that names only its terminal jobs', () => {
    const r = parseServiceFile('name: close\nterminal: [airflow-prod/close.publish]\ndeadline: {kind: duration, minutes: 60}\n');
    assert.equal(r.kind, 'ok');
    assert.deepEqual(r.kind === 'ok' ? [r.services[0]?.jobs, r.services[0]?.terminal] : [], [[], ['airflow-prod/close.publish']]);
  });

  it('refuses a service with neither jobs nor terminal, at its line', () => {
    const r = parseServiceFile('# close\nname: close\ndeadline: {kind: duration, minutes: 60}\n');
    assert.equal(r.kind, 'invalid');
    const issue = r.kind === 'invalid' ? r.issues[0] : undefined;
    assert.deepEqual([issue?.line, issue?.path], [2, ['jobs']]);
    assert.match(issue?.message ?? '', /"jobs".*"terminal"/);
  });

  it('refuses a terminal job that is not namespace/name, with its line and index', () => {
    const r = parseServiceFile('name: close\ndeadline: {kind: duration, minutes: 60}\nterminal:\n  - airflow-prod/close.publish\n  - publish\n');
    const issue = r.kind === 'invalid' ? r.issues[0] : undefined;
    assert.deepEqual([issue?.line, issue?.path], [5, ['terminal', 1]]);
  });

  it('lets `after` name a job outside `jobs` only when the service has terminal jobs', () => {
    const jobs = [{ job: 'ctm/REPORT', after: ['airflow-prod/close.publish'] }];
    assert.equal(ServiceDefinition.safeParse({ name: 's', deadline: { kind: 'duration', minutes: 5 }, jobs }).success, false);
    assert.equal(ServiceDefinition.safeParse({ name: 's', deadline: { kind: 'duration', minutes: 5 }, jobs, terminal: ['ctm/REPORT'] }).success, true);
  });

  it('reads the closure-defined example services', () => {
    const r = parseServiceFile(readFileSync(new URL('../../examples/services/lineage.yaml', import.meta.url), 'utf8'));
    assert.deepEqual(r.kind === 'ok' ? r.services.map((s) => [s.name, s.terminal]) : r, [
      ['finance-reports', ['airflow-prod/finance_close.publish_reports']], ['ml-features', ['ml/feature-pipeline.train']]]);
  });

  it('keeps a declared service exactly as it was, without a terminal field', () => {
    const text = readFileSync(new URL('../../examples/services/finance.yaml', import.meta.url), 'utf8');
    const r = parseServiceFile(text);
    assert.equal(r.kind, 'ok');
    assert.ok(r.kind === 'ok' && r.services.every((s) => !('terminal' in s) && s.jobs.length > 0));
  });
});

describe('resolving a service\'s jobs', () => {
  it('gives a declared service its jobs back unchanged, asking the store nothing', async () => {
    const source = memorySource(['a/x > a/y']);
    const def = service({ jobs: [{ job: 'a/x' }, { job: 'a/y', after: ['a/x'] }] });
    const r = await resolveWith(source, def);
    assert.equal(r.jobs, def.jobs);
    assert.deepEqual(r.learned.edges.map((e) => e.origins), [[{ kind: 'definition' }]]);
    assert.equal(source.calls, 0);
  });

  it('takes the terminal job and everything upstream of it, one query per level', async () => {
    const source = memorySource(['a/extract >s3://l/x> a/load', 'a/extract > a/load', 'a/load > a/publish', 'a/other > a/unrelated']);
    const r = await resolveWith(source, service({ terminal: ['a/publish'] }));
    assert.deepEqual(afters(r.jobs), { 'a/extract': '', 'a/load': 'a/extract', 'a/publish': 'a/load' });
    assert.deepEqual(r.learned.jobs, [{ job: 'a/publish', depth: 0 }, { job: 'a/load', depth: 1 }, { job: 'a/extract', depth: 2 }]);
    const load = r.learned.edges.find((e) => e.downstream === 'a/load');
    assert.deepEqual(load?.origins.map((o) => o.kind).sort(), ['dataset', 'declared']);
    assert.equal(source.calls, 3); // the last level finds nothing further up
  });

  it('walks through a declared `after` into a job lineage knows, bridging orchestrators', async () => {
    const source = memorySource(['a/extract > a/publish']);
    const r = await resolveWith(source, service({ terminal: ['ctm/REPORT'], jobs: [{ job: 'ctm/REPORT', after: ['a/publish'] }] }));
    assert.deepEqual(afters(r.jobs), { 'a/extract': '', 'a/publish': 'a/extract', 'ctm/REPORT': 'a/publish' });
    assert.deepEqual(r.learned.unknownTerminals, ['ctm/REPORT']);
  });

  it('drops the learned edge that would close a cycle and names the cycle', async () => {
    const source = memorySource(['a/x > a/y', 'a/y > a/z', 'a/z >s3://loop> a/x']);
    const r = await resolveWith(source, service({ terminal: ['a/z'] }));
    assert.deepEqual(afters(r.jobs), { 'a/x': '', 'a/y': 'a/x', 'a/z': 'a/y' });
    assert.deepEqual(r.learned.dropped.map((d) => [d.upstream, d.downstream, d.cycle]), [['a/z', 'a/x', ['a/x', 'a/y', 'a/z', 'a/x']]]);
  });

  it('keeps the definition\'s edge when lineage says the opposite', async () => {
    const source = memorySource(['a/y > a/x', 'a/x > a/t']);
    const r = await resolveWith(source, service({ terminal: ['a/t'], jobs: [{ job: 'a/y', after: ['a/x'] }] }));
    assert.deepEqual(r.learned.dropped.map((d) => `${d.upstream} → ${d.downstream}`), ['a/y → a/x']);
    assert.deepEqual(afters(r.jobs), { 'a/t': 'a/x', 'a/x': '', 'a/y': 'a/x' });
  });

  it('stops at the size bound and says which jobs it stopped at', async () => {
    const source = memorySource(['a/1 > a/t', 'a/2 > a/t', 'a/3 > a/t', 'a/0 > a/1']);
    const r = await resolveWith(source, service({ terminal: ['a/t'] }), { maxJobs: 3 });
    assert.deepEqual(r.jobs.map((j) => j.job), ['a/1', 'a/2', 'a/t']);
    assert.deepEqual(r.learned.truncated, { reason: 'size', limit: 3, jobs: ['a/1', 'a/t'] });
  });
});

describe('cutting cycles and ordering jobs', () => {
  const edge = (upstream: string, downstream: string) => ({ upstream, downstream, origins: [] });

  it('keeps earlier edges and drops a later one that closes a loop', () => {
    const { kept, dropped } = breakCycles([edge('a', 'b'), edge('b', 'c'), edge('c', 'a'), edge('a', 'c')]);
    assert.deepEqual(kept.map((e) => `${e.upstream}${e.downstream}`), ['ab', 'bc', 'ac']);
    assert.deepEqual(dropped.map((d) => d.cycle), [['a', 'b', 'c', 'a']]);
  });

  it('orders jobs after what they wait for, ties by name', () => {
    assert.deepEqual(topological(['d', 'c', 'b', 'a'], new Map([['d', ['b', 'c']], ['b', ['a']]])), ['a', 'c', 'b', 'd']);
  });
});
