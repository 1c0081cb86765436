import type { Deps } from '../deps.ts';
import { datasetLookup } from '../trace/datasets.ts';
import { renderOrigin, renderTrace } from '../trace/render.ts';
import { originOfService } from '../trace/service.ts';

/**
 * Yesterday's close: the ERP delivered 40 % of its lines, every task completed, and the BI
 * scheduler refreshed the finance dashboard from it. Traced from the dashboard, what the
 * business sees, back across both schedulers to where it began.
 */
export async function showOrigin(deps: Pick<Deps, 'pool' | 'clock'>, key: string): Promise<void> {
  const out = await originOfService({ db: deps.pool, datasets: datasetLookup(deps.pool) }, 'finance-dashboard', key, deps.clock());
  if (out.kind !== 'origin') return;
  console.log(`\n10. Where did it start? Yesterday's dashboard, traced across both schedulers (\`medic trace finance-dashboard --key ${key}\`)\n`);
  console.log(renderTrace(out.trace));
  console.log(`\n    \`medic origin --service finance-dashboard --key ${key}\`\n`);
  console.log(renderOrigin(out.report));
}
