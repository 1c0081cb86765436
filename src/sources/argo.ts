/**
 * Pulls workflow history from an Argo Server.
 *
 * A pass lists, in each configured namespace (or across all of them), the live workflows, then
 * the archived ones, and emits each workflow that can have changed since the last pass: those
 * not finished and those finished since (see argo-cursor.ts for the bounds). Live first: a
 * workflow archived and deleted from the cluster after the live listing passed it is then
 * still in the archive when the archive is listed, in this pass or the next.
 *
 * Items are Workflow objects, as the Argo adapter takes them (a WorkflowList is not).
 */
import type { ArgoSource } from './config.ts';
import { namespacesOf, startingCursor } from './argo-cursor.ts';
import { argoApi } from './argo-http.ts';
import { readArchived } from './argo-archived.ts';
import { readLive, type ListingContext } from './argo-live.ts';
import type { PullCall, Puller } from './puller.ts';

/** Pages in a row that cannot be read before a pass gives up, rather than walk a broken API to its end. */
export const MAX_UNREADABLE_PAGES = 3;

/** Listings restarted in one pull after a refused continue token, before the pass gives up. */
export const MAX_RESTARTS = 3;

export function argoPuller(source: ArgoSource, call: PullCall): Puller {
  const ctx: ListingContext = { api: argoApi(source, call), limit: source.pull.page_size, namespaces: namespacesOf(source.pull.namespaces) };
  return {
    async *pull(req, signal) {
      let cur = startingCursor(req, ctx.namespaces);
      let unreadable = 0;
      let restarts = 0;
      while (!signal?.aborted && cur.at.phase !== 'done') {
        const at = cur.at;
        const o = at.phase === 'live' ? await readLive(ctx, cur, at) : await readArchived(ctx, cur, at);
        switch (o.kind) {
          case 'read':
            unreadable = 0;
            yield* o.steps;
            break;
          case 'unreadable':
            yield o.step;
            unreadable += 1;
            if (unreadable < MAX_UNREADABLE_PAGES) break;
            yield { kind: 'failed', where: o.step.where, status: null, detail: `${unreadable} pages in a row could not be read`, fatal: false };
            return;
          case 'expired':
            restarts += 1;
            if (restarts <= MAX_RESTARTS) break;
            yield { kind: 'failed', where: o.where, status: null, detail: `the listing was restarted ${MAX_RESTARTS} times: ${o.detail}`, fatal: false };
            return;
          case 'failed':
            yield o.step;
            return;
          default: {
            const never: never = o;
            throw new Error(`unexpected outcome ${JSON.stringify(never)}`);
          }
        }
        cur = o.next;
      }
    },
  };
}
