import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parse, parseAllDocuments } from 'yaml';
import { CONFIG_VARIABLES } from '../../src/config.ts';

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');
const known = new Set(CONFIG_VARIABLES);

describe('the deployment recipes', () => {
  it('compose: the medic services set only variables Medic reads, and depend on healthy stores', () => {
    const compose = parse(read('deploy/compose.yaml'), { merge: true }) as { services: Record<string, { command?: string[]; environment?: Record<string, unknown>; depends_on?: Record<string, { condition: string }>; healthcheck?: unknown }> };
    const medic = Object.entries(compose.services).filter(([, s]) => s.command?.[0] === 'serve' || s.command?.[0] === 'worker');
    assert.deepEqual(medic.map(([name, s]) => [name, s.command?.[0]]), [['medic', 'serve'], ['worker', 'worker']]);
    for (const [name, s] of medic) {
      const variables = Object.keys(s.environment ?? {});
      assert.ok(variables.includes('DATABASE_URL') && variables.includes('REDIS_URL'), name);
      for (const v of variables) assert.ok(known.has(v), `${name} sets ${v}, which Medic does not read`);
    }
    assert.equal(compose.services.medic?.depends_on?.postgres?.condition, 'service_healthy');
    assert.ok(compose.services.medic?.healthcheck && compose.services.postgres?.healthcheck && compose.services.redis?.healthcheck);
  });

  it('kubernetes: probes on /readyz and /healthz, and only variables Medic reads', () => {
    const docs = parseAllDocuments(read('deploy/kubernetes/medic.yaml')).map((d) => d.toJS() as { kind: string; data?: Record<string, string>; spec?: { template?: { spec?: { containers: { args: string[]; env?: { name: string }[]; readinessProbe?: { httpGet: { path: string } }; livenessProbe?: { httpGet: { path: string } } }[] } } } });
    for (const key of Object.keys(docs.find((d) => d.kind === 'ConfigMap')?.data ?? {})) assert.ok(known.has(key), key);
    const containers = docs.filter((d) => d.kind === 'Deployment').flatMap((d) => d.spec?.template?.spec?.containers ?? []);
    assert.deepEqual(containers.map((c) => c.args[0]).sort(), ['serve', 'worker']);
    for (const c of containers) for (const e of c.env ?? []) assert.ok(known.has(e.name), e.name);
    const api = containers.find((c) => c.args[0] === 'serve');
    assert.equal(api?.readinessProbe?.httpGet.path, '/readyz');
    assert.equal(api?.livenessProbe?.httpGet.path, '/healthz');
  });

  it('the image runs the compiled build as a user that is not root, with a health check', () => {
    const dockerfile = read('Dockerfile');
    assert.match(dockerfile, /npm ci --omit=dev/);
    assert.match(dockerfile, /^USER node$/m);
    assert.match(dockerfile, /^HEALTHCHECK /m);
    assert.match(dockerfile, /COPY --from=build \/app\/dist \.\/dist/);
  });
});
