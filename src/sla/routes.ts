import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Deps } from '../deps.ts';
import { AppError } from '../errors.ts';
import type { Authenticator } from '../http/auth.ts';
import { parseServiceFile } from './parse-file.ts';
import { ServiceDefinition } from './schema.ts';
import { findTimeBuffers } from './insights.ts';
import { resolveServiceJobs } from './lineage.ts';
import { listRisks } from './risks.ts';
import { forecastService } from './service-forecast.ts';
import { applyService, getService, listServices } from './sql.ts';

/** Services: apply definitions (YAML or JSON), list and read them. */
export function serviceRoutes(deps: Deps, auth: Authenticator): FastifyPluginAsync {
  return async (root) => {
    // A service file is YAML as kept in git; the body arrives as text and is validated with line numbers.
    root.addContentTypeParser(['application/yaml', 'application/x-yaml', 'text/yaml'], { parseAs: 'string' }, (_req, body, done) => done(null, body));
    const app = root.withTypeProvider<ZodTypeProvider>();

    app.post('/v1/services', {
      schema: { summary: 'Apply service definitions: a YAML file (application/yaml) or one JSON definition', body: z.unknown() },
      onRequest: async (req) => void auth.require(req, 'admin'),
    }, async (req) => {
      const services = typeof req.body === 'string' ? fromYaml(req.body) : [fromJson(req.body)];
      const applied = [];
      for (const s of services) applied.push({ name: s.name, ...(await applyService(deps.pool, s)) });
      return { applied };
    });

    app.get('/v1/services', { schema: { summary: 'Business services' }, onRequest: async (req) => void auth.require(req, 'read') },
      async () => ({ services: await listServices(deps.pool) }));

    app.get('/v1/services/:name', {
      schema: { summary: 'One business service; with `terminal`, also its jobs and edges as resolved from lineage', params: z.object({ name: z.string().min(1) }) },
      onRequest: async (req) => void auth.require(req, 'read'),
    }, async (req) => {
      const s = await getService(deps.pool, req.params.name);
      if (!s) throw new AppError('not_found', `service "${req.params.name}" does not exist`);
      // A closure-defined service is shown as it resolves now: its jobs, and where each edge comes from.
      return s.definition.terminal === undefined ? s : { ...s, resolved: await resolveServiceJobs(deps.pool, s.definition) };
    });
  };
}

/** `GET /v1/sla/risks`: the SLA risks raised by the forecast sweep, newest first. */
export function riskRoute(deps: Deps, auth: Authenticator): FastifyPluginAsync {
  return async (root) => {
    root.withTypeProvider<ZodTypeProvider>().get('/v1/sla/risks', {
      schema: { summary: 'SLA risks raised from forecasts', querystring: z.strictObject({ status: z.enum(['open', 'cleared']).optional() }) },
      onRequest: async (req) => void auth.require(req, 'read'),
    }, async (req) => ({ risks: await listRisks(deps.pool, req.query.status) }));
    root.withTypeProvider<ZodTypeProvider>().get('/v1/insights/time-buffers', {
      schema: { summary: 'Downstream jobs that start on a clock rather than on their inputs', querystring: z.strictObject({ at: z.coerce.date().optional() }) },
      onRequest: async (req) => void auth.require(req, 'read'),
    }, async (req) => ({ time_buffers: await findTimeBuffers(deps.pool, req.query.at ?? deps.clock()) }));
  };
}

/** `GET /v1/services/:name/forecast[?at=]`: the current instance, or the one running at a past time. */
export function forecastRoute(deps: Deps, auth: Authenticator): FastifyPluginAsync {
  return async (root) => {
    root.withTypeProvider<ZodTypeProvider>().get('/v1/services/:name/forecast', {
      schema: {
        summary: 'Forecast a service instance: P(breach), ETA, critical path, time to act, downstream impact',
        params: z.object({ name: z.string().min(1) }),
        querystring: z.strictObject({ at: z.coerce.date().optional(), samples: z.coerce.number().int().min(100).max(100_000).default(10_000) }),
      },
      onRequest: async (req) => void auth.require(req, 'read'),
    }, async (req) => {
      const out = await forecastService(deps.pool, req.params.name, req.query.at ?? deps.clock(), { samples: req.query.samples });
      switch (out.kind) {
        case 'forecast':
          return out.value;
        case 'unknown-service':
          throw new AppError('not_found', `service "${req.params.name}" does not exist`);
        case 'no-instance':
          throw new AppError('not_found', `service "${req.params.name}" has no instance to forecast: ${out.reason}`);
        default: {
          const never: never = out;
          return never;
        }
      }
    });
  };
}

function fromYaml(text: string): ServiceDefinition[] {
  const parsed = parseServiceFile(text);
  if (parsed.kind === 'ok') return parsed.services;
  const first = parsed.issues[0];
  throw new AppError('bad_request', first ? `line ${first.line}: ${first.path.join('.') || '(document)'}: ${first.message}` : 'invalid service file', {
    details: parsed.issues.map((i) => ({ path: i.path, message: `line ${i.line}, column ${i.column}: ${i.message}` })),
  });
}

function fromJson(body: unknown): ServiceDefinition {
  const parsed = ServiceDefinition.safeParse(body);
  if (parsed.success) return parsed.data;
  const details = parsed.error.issues.map((i) => ({ path: i.path.map((p) => (typeof p === 'symbol' ? String(p) : p)), message: i.message }));
  throw new AppError('bad_request', `${details[0]?.path.join('.') ?? 'body'}: ${details[0]?.message ?? 'invalid'}`, { details });
}
