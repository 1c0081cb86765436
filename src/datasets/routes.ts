import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Deps } from '../deps.ts';
import { AppError } from '../errors.ts';
import type { Authenticator } from '../http/auth.ts';
import { DatasetName, IsoTime } from '../runs/schema.ts';
import { datasetJobs, datasetKnown, datasetReads, datasetVersions, recentVersions, type Page } from './sql.ts';

const PageQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  before: IsoTime.optional().describe('page cursor, ISO 8601: rows observed before this time (the previous page\'s `nextBefore`)'),
});

const pageOf = (q: z.infer<typeof PageQuery>): Page => ({ limit: q.limit, before: q.before === undefined ? null : new Date(q.before) });

/**
 * The cursor of the next page: the oldest time shown of each list that filled its page, the
 * latest of them, so that no list skips a row (a list that did not fill its page may repeat some).
 */
function nextBefore(limit: number, ...lists: { observedAt: Date }[][]): Date | null {
  const ends = lists.flatMap((l) => (l.length === limit ? [l.at(-1)?.observedAt.getTime() ?? 0] : []));
  return ends.length === 0 ? null : new Date(Math.max(...ends));
}

/** Datasets: `GET /v1/datasets` (recent versions, the suspect ones when asked) and `GET /v1/datasets/:id`. */
export function datasetRoutes(deps: Deps, auth: Authenticator): FastifyPluginAsync {
  return async (root) => {
    const app = root.withTypeProvider<ZodTypeProvider>();
    app.addHook('onRequest', async (req) => void auth.require(req, 'read'));

    app.get('/v1/datasets', {
      schema: {
        summary: 'Recent dataset versions across datasets, newest first; with suspect=true, only those whose size looked partial or overloaded',
        querystring: PageQuery.extend({
          suspect: z.enum(['true', 'false']).default('false').describe('only versions judged suspect at ingest'),
          since: IsoTime.optional().describe('ISO 8601: versions observed at or after this time'),
        }),
      },
    }, async (req) => {
      const q = req.query;
      const versions = await recentVersions(deps.pool, { ...pageOf(q), suspect: q.suspect === 'true', since: q.since === undefined ? null : new Date(q.since) });
      return { versions, nextBefore: nextBefore(q.limit, versions) };
    });

    app.get('/v1/datasets/:id', {
      schema: {
        summary: 'One dataset, by its `namespace/name` URL-encoded (datasets have no numeric id): its writers and readers, versions and reads, newest first',
        params: z.object({ id: DatasetName.describe('namespace/name, URL-encoded: warehouse%2Fdw.ledger') }),
        querystring: PageQuery,
      },
    }, async (req) => {
      const dataset = req.params.id;
      const page = pageOf(req.query);
      const [known, jobs, versions, reads] = await Promise.all([
        datasetKnown(deps.pool, dataset), datasetJobs(deps.pool, dataset),
        datasetVersions(deps.pool, dataset, page), datasetReads(deps.pool, dataset, page),
      ]);
      if (!known) throw new AppError('not_found', `dataset "${dataset}" has never been seen: no job reported reading or writing it`);
      return { dataset, ...jobs, versions, reads, nextBefore: nextBefore(page.limit, versions, reads) };
    });
  };
}
