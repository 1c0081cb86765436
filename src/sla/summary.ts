import { clockTime } from './deadline.ts';
import type { Forecast } from './forecast.ts';
import type { ServiceDefinition } from './schema.ts';

const short = (job: string) => job.split('/').pop() ?? job;

/** "*a*", "*a* and *b*", "*a*, *b* and 1 more service", "*a*, *b* and 3 more services". */
function named(services: string[]): string {
  const [a, b] = services.map((d) => `*${d}*`);
  if (services.length === 1) return a as string;
  if (services.length === 2) return `${a} and ${b}`;
  const more = services.length - 2;
  return `${a}, ${b} and ${more} more ${more === 1 ? 'service' : 'services'}`;
}

/**
 * One sentence a person can act on: "*Financial close* is at risk: 72 % chance to miss 06:00
 * (ETA 06:14, p90 06:31). Critical path: extract_erp → load_dw → reconcile. If *load_dw* does not
 * recover by 05:20, *finance-dashboard*, *ar-aging* and 3 more services miss their deadlines."
 */
export function sentence(def: ServiceDefinition, f: Forecast, deadline: Date, downstream: string[], atRisk: boolean): string {
  const title = def.title ?? def.name;
  const pct = Math.round(f.pBreach * 100);
  const head = `*${title}* ${atRisk ? 'is at risk' : 'is on track'}: ${pct} % chance to miss ${clockTime(deadline, def.deadline)} (ETA ${clockTime(f.eta.p50, def.deadline)}, p90 ${clockTime(f.eta.p90, def.deadline)}).`;
  const path = f.criticalPath.length ? ` Critical path: ${f.criticalPath.map(short).join(' → ')}.` : '';
  const act = f.timeToAct;
  if (!act || !atRisk) return head + path;
  const hit = downstream.length === 0 ? `*${title}* misses its deadline`
    : downstream.length === 1 ? `${named(downstream)} misses its deadline` : `${named(downstream)} miss their deadlines`;
  return act.latest
    ? `${head}${path} If *${short(act.job)}* does not recover by ${clockTime(act.latest, def.deadline)}, ${hit}.`
    : `${head}${path} Even a recovery of *${short(act.job)}* now leaves more than ${Math.round(def.alert.breachProbability * 100)} % risk that ${hit}.`;
}
