/**
 * A world's service definition as its owners would write it: every job, its last jobs as
 * `terminal`, and `after` only for the links no payload carries (a link into or out of Control-M
 * or Argo across systems). Consumers on a clock are listed without `after`: nobody wrote down
 * what they wait for, which is the link Medic has to infer from timing.
 */
import type { z } from 'zod';
import type { ServiceDefinition } from '../../src/sla/schema.ts';
import { jobOf, type Format, type World } from './world.ts';

export type ServiceInput = z.input<typeof ServiceDefinition>;

const withDatasets: ReadonlySet<Format> = new Set(['openlineage', 'generic']);

/** Whether the payloads of `up` and `down` carry the link between them. */
function carried(world: World, up: string, down: string): boolean {
  const [u, d] = [jobOf(world, up), jobOf(world, down)];
  if (withDatasets.has(u.format) && withDatasets.has(d.format)) return true; // one writes what the other reads
  return u.format === 'argo' && d.format === 'argo' && u.group === d.group; // steps of one workflow
}

export function serviceDefinition(world: World): ServiceInput {
  const due = world.slotHourUtc * 60 + world.deadlineMin;
  if (due >= 24 * 60) throw new Error(`${world.name} is due after midnight (${due} min); give it an earlier slot`);
  const hhmm = `${String(Math.floor(due / 60)).padStart(2, '0')}:${String(due % 60).padStart(2, '0')}`;
  const jobs = world.order.map((id) => {
    const j = jobOf(world, id);
    const after = j.clockMin !== null ? [] : j.parents.filter((p) => !carried(world, p, id)).map((p) => jobOf(world, p).job);
    return { job: j.job, after };
  });
  return {
    name: world.name,
    title: `${world.name.replace('origin-', '')} (daily, from ${world.shape})`,
    jobs,
    terminal: world.order.filter((id) => jobOf(world, id).children.length === 0).map((id) => jobOf(world, id).job),
    deadline: { kind: 'time', at: hhmm, timeZone: 'UTC' },
    criticality: 'high',
  };
}
