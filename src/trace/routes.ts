import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Deps } from '../deps.ts';
import { AppError } from '../errors.ts';
import type { Authenticator } from '../http/auth.ts';
import { datasetLookup } from './datasets.ts';
import { decideOnOrigin } from './remediate.ts';
import { originOfIncident, originOfService, traceService, type OriginResult, type TraceResult } from './service.ts';

const Instance = z.object({
  name: z.string().min(1),
  key: z.string().min(1).max(1000).describe('a run key of the instance (e.g. its DAG run id), or `latest`'),
});
const At = z.strictObject({ at: z.coerce.date().optional().describe('show the instance as it stood at this time (ISO 8601); now when absent') });

/** The trace of a service instance, and where its problems (or an incident's) began. */
export function traceRoutes(deps: Deps, auth: Authenticator): FastifyPluginAsync {
  const lookup = { db: deps.pool, datasets: datasetLookup(deps.pool) };
  return async (root) => {
    const app = root.withTypeProvider<ZodTypeProvider>();
    const read = { onRequest: async (req: Parameters<Authenticator['require']>[0]) => void auth.require(req, 'read') };

    app.get('/v1/services/:name/instances/:key/trace', {
      schema: {
        summary: 'Trace a service instance across every system',
        description: 'Every run of every job that belongs to the service or feeds it, with its state, attempts and times against its usual (p50/p90 over past instances), the datasets it read and wrote with their sizes and quality metrics, and the edges between them: definition, declared, dataset, parent run, and inferred from timing where no system reports the link.',
        params: Instance, querystring: At,
      },
      ...read,
    }, async (req) => traced(await traceService(lookup, req.params.name, req.params.key, req.query.at ?? deps.clock())));

    app.get('/v1/services/:name/instances/:key/origin', {
      schema: {
        summary: 'Where the problems of a service instance began',
        description: 'The problems the trace shows (failures, data far from its usual size, runs that did not wait for their input, lateness against the deadline or the usual finish), the ranked candidate origins with evidence and a confidence, and the blast radius of the most probable one: the runs to rerun in order and the services at risk with time left. `origin` is null, with `unknown` saying why, when no evidence supports one.',
        params: Instance, querystring: At,
      },
      ...read,
    }, async (req) => reported(await originOfService(lookup, req.params.name, req.params.key, req.query.at ?? deps.clock())));

    app.post('/v1/services/:name/instances/:key/origin/decide', {
      schema: {
        summary: 'Put the origin of an instance\'s problems to the policies',
        description: 'Asks the policies what to do about the probable origin, as a failure of its run: the message names its problem (policies match it by signature), the detail carries the evidence and the reruns the blast radius asks for, in order. The decision is logged and, where a policy gates its action, waits for approval like any other. 409 when no origin is supported by the evidence.',
        params: Instance, querystring: At,
        body: z.strictObject({ requester: z.string().min(1).max(200).optional() }).default({}),
      },
      onRequest: async (req) => void auth.require(req, 'decide'),
    }, async (req) => {
      const out = await decideOnOrigin({ ...deps, trace: lookup }, req.params.name, req.params.key, req.query.at ?? deps.clock(), req.body.requester);
      if (out.kind === 'not-found') throw new AppError('not_found', out.what);
      if (out.kind === 'no-origin') throw new AppError('conflict', `nothing to decide: ${out.why}`);
      return { origin: out.report.origin, blast: out.report.blast, ...out.decision };
    });

    app.get('/v1/incidents/:id/origin', {
      schema: {
        summary: 'Where an incident\'s failure began',
        description: 'Traces the instance of the incident\'s latest failed run (in the service that holds its job, else through lineage upstream of the job) and walks the failure upstream to the run whose failure or anomaly it inherited.',
        params: z.object({ id: z.coerce.number().int().positive() }), querystring: At,
      },
      ...read,
    }, async (req) => reported(await originOfIncident(lookup, req.params.id, req.query.at ?? deps.clock())));
  };
}

function traced(out: TraceResult) {
  if (out.kind === 'not-found') throw new AppError('not_found', out.what);
  return out.trace;
}

function reported(out: OriginResult) {
  if (out.kind === 'not-found') throw new AppError('not_found', out.what);
  return out.report;
}
