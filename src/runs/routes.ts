import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Deps } from '../deps.ts';
import { AppError } from '../errors.ts';
import type { Authenticator } from '../http/auth.ts';
import { jobDatasets, jobEdges } from './lineage-sql.ts';
import { RunState } from './schema.ts';
import { getJob, getRun, listAttempts, listJobs, listRunEvents, listRuns } from './sql.ts';

const Id = z.coerce.number().int().positive();
const Limit = z.coerce.number().int().min(1).max(1_000).default(100);

const RunQuery = z.strictObject({
  job_id: Id.optional(),
  namespace: z.string().min(1).optional(),
  job: z.string().min(1).optional().describe('job name'),
  state: RunState.optional(),
  since: z.coerce.date().optional(),
  until: z.coerce.date().optional(),
  before: Id.optional().describe('page cursor: runs with a smaller id'),
  limit: Limit,
});

/** Reading runs and jobs: `GET /v1/runs`, `/v1/runs/:id`, `/v1/jobs`, `/v1/jobs/:id`, `/v1/jobs/:id/runs`, `/v1/jobs/:id/lineage`. */
export function runRoutes(deps: Deps, auth: Authenticator): FastifyPluginAsync {
  return async (root) => {
    const app = root.withTypeProvider<ZodTypeProvider>();
    app.addHook('onRequest', async (req) => void auth.require(req, 'read'));

    app.get('/v1/runs', { schema: { summary: 'List runs, newest first', querystring: RunQuery } }, async (req) => {
      const q = req.query;
      const runs = await listRuns(deps.pool, {
        limit: q.limit,
        ...(q.job_id === undefined ? {} : { jobId: q.job_id }),
        ...(q.namespace === undefined ? {} : { namespace: q.namespace }),
        ...(q.job === undefined ? {} : { job: q.job }),
        ...(q.state === undefined ? {} : { state: q.state }),
        ...(q.since === undefined ? {} : { since: q.since }),
        ...(q.until === undefined ? {} : { until: q.until }),
        ...(q.before === undefined ? {} : { before: q.before }),
      });
      const last = runs.at(-1);
      return { runs, next_before: runs.length === q.limit && last ? last.id : null };
    });

    app.get('/v1/runs/:id', { schema: { summary: 'One run with its attempts and events', params: z.object({ id: Id }) } },
      async (req) => {
        const run = await getRun(deps.pool, req.params.id);
        if (!run) throw new AppError('not_found', `run ${req.params.id} does not exist`);
        const [attempts, events] = await Promise.all([
          listAttempts(deps.pool, run.id), listRunEvents(deps.pool, run.id)]);
        return { ...run, attempt_history: attempts, events };
      });

    app.get('/v1/jobs', {
      schema: {
        summary: 'List jobs',
        querystring: z.strictObject({ namespace: z.string().optional(), limit: Limit, offset: z.coerce.number().int().min(0).default(0) }),
      },
    }, async (req) => ({
      jobs: await listJobs(deps.pool, {
        limit: req.query.limit, offset: req.query.offset,
        ...(req.query.namespace === undefined ? {} : { namespace: req.query.namespace }),
      }),
    }));

    app.get('/v1/jobs/:id', { schema: { summary: 'One job', params: z.object({ id: Id }) } }, async (req) => {
      const job = await getJob(deps.pool, req.params.id);
      if (!job) throw new AppError('not_found', `job ${req.params.id} does not exist`);
      return job;
    });

    app.get('/v1/jobs/:id/lineage', {
      schema: { summary: 'What a job waits for and what waits for it, as ingest learned it, and the datasets it reads and writes', params: z.object({ id: Id }) },
    }, async (req) => {
      const job = await getJob(deps.pool, req.params.id);
      if (!job) throw new AppError('not_found', `job ${req.params.id} does not exist`);
      const [upstream, downstream, datasets] = await Promise.all([
        jobEdges(deps.pool, job.id, 'upstream'), jobEdges(deps.pool, job.id, 'downstream'), jobDatasets(deps.pool, job.id)]);
      return {
        job: { id: job.id, namespace: job.namespace, name: job.name }, upstream, downstream,
        inputs: datasets.filter((d) => d.direction === 'input').map(({ direction: _, ...d }) => d),
        outputs: datasets.filter((d) => d.direction === 'output').map(({ direction: _, ...d }) => d),
      };
    });

    app.get('/v1/jobs/:id/runs', {
      schema: {
        summary: 'Runs of one job, newest first',
        params: z.object({ id: Id }),
        querystring: RunQuery.omit({ job_id: true, namespace: true, job: true }),
      },
    }, async (req) => {
      const job = await getJob(deps.pool, req.params.id);
      if (!job) throw new AppError('not_found', `job ${req.params.id} does not exist`);
      const q = req.query;
      const runs = await listRuns(deps.pool, {
        jobId: job.id, limit: q.limit,
        ...(q.state === undefined ? {} : { state: q.state }),
        ...(q.since === undefined ? {} : { since: q.since }),
        ...(q.until === undefined ? {} : { until: q.until }),
        ...(q.before === undefined ? {} : { before: q.before }),
      });
      const last = runs.at(-1);
      return { job, runs, next_before: runs.length === q.limit && last ? last.id : null };
    });
  };
}
