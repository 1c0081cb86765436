import { ServiceDefinition } from '../sla/schema.ts';
import { parseYamlFile } from '../yaml-file.ts';
import { finding, type Finding, type Rule } from './finding.ts';
import { documentsOf, issueFindings, locateNearest, type SourceFile } from './yaml-findings.ts';

/** A service definition that parses, with where it is written. */
export interface LocatedService {
  source: SourceFile;
  doc: number;
  service: ServiceDefinition;
}

function at(s: LocatedService, rule: Rule, path: (string | number)[], message: string): Finding {
  return finding(rule, { file: s.source.file, ...locateNearest(s.source.text, path, s.doc), path, message });
}

/** Names given to two services: the second and later ones. */
function duplicates(services: readonly LocatedService[]): Finding[] {
  const first = new Map<string, LocatedService>();
  return services.flatMap((s) => {
    const other = first.get(s.service.name);
    if (!other) first.set(s.service.name, s);
    return other ? [at(s, 'duplicate-id', ['name'], `the service "${s.service.name}" is also defined in ${other.source.file}`)] : [];
  });
}

/** Each cycle through `downstream` once, reported where it closes. */
function downstreamCycles(byName: ReadonlyMap<string, LocatedService>): Finding[] {
  const findings: Finding[] = [];
  const seen = new Set<string>();
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (name: string, trail: string[]) => {
    const s = byName.get(name);
    if (!s) return;
    state.set(name, 'visiting');
    s.service.downstream.forEach((next, k) => {
      if (state.get(next) === 'visiting') {
        const cycle = [...trail.slice(trail.indexOf(next)), name, next];
        const key = [...new Set(cycle)].sort().join('\u0000');
        if (!seen.has(key)) findings.push(at(s, 'service-cycle', ['downstream', k], `services are downstream of each other in a cycle: ${cycle.join(' → ')}`));
        seen.add(key);
      } else if (!state.has(next) && byName.has(next)) visit(next, [...trail, name]);
    });
    state.set(name, 'done');
  };
  for (const name of byName.keys()) if (!state.has(name)) visit(name, []);
  return findings;
}

/**
 * Checks service files: each definition (its fields, its jobs' dependencies), then across files —
 * names used twice, downstream services not defined, services downstream of each other in a cycle.
 */
export function checkServices(files: readonly SourceFile[]): { findings: Finding[]; services: LocatedService[] } {
  const findings: Finding[] = [];
  const services: LocatedService[] = [];
  for (const source of files) {
    const parsed = parseYamlFile(source.text, ServiceDefinition);
    if (parsed.kind === 'invalid') findings.push(...issueFindings(source, parsed.issues));
    documentsOf(source.text).forEach((value, doc) => {
      const service = ServiceDefinition.safeParse(value);
      if (service.success) services.push({ source, doc, service: service.data });
    });
  }
  // The first definition of a name stands; later ones are reported as duplicates.
  const byName = new Map<string, LocatedService>();
  for (const s of services) if (!byName.has(s.service.name)) byName.set(s.service.name, s);
  const unknown = services.flatMap((s) => s.service.downstream.flatMap((d, k) => byName.has(d) ? [] : [
    at(s, 'unknown-downstream', ['downstream', k], `no service named "${d}" is defined in the repository`),
  ]));
  return { findings: [...findings, ...duplicates(services), ...unknown, ...downstreamCycles(byName)], services };
}

/** Every job a service names, once, with the field that first names it. */
export function jobsOf(s: LocatedService): { job: string; path: (string | number)[] }[] {
  const named = new Map<string, (string | number)[]>();
  const add = (job: string, path: (string | number)[]) => { if (!named.has(job)) named.set(job, path); };
  s.service.jobs.forEach((j, i) => {
    add(j.job, ['jobs', i, 'job']);
    j.after.forEach((a, k) => add(a, ['jobs', i, 'after', k]));
  });
  s.service.terminal?.forEach((t, k) => add(t, ['terminal', k]));
  return [...named].map(([job, path]) => ({ job, path }));
}

/** Findings for the jobs of each service that no source has ever reported. */
export function neverReported(services: readonly LocatedService[], reported: ReadonlySet<string>): Finding[] {
  return services.flatMap((s) => jobsOf(s).filter((j) => !reported.has(j.job)).map((j) =>
    at(s, 'job-never-reported', j.path, `no source has ever reported the job ${j.job} (service ${s.service.name})`)));
}
