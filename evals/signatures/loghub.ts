import { readFileSync } from 'node:fs';

/** The Loghub-2k systems with corrected ground truth (Khan et al., ICSE 2022), read in place. */
export const SYSTEMS = ['Android', 'Apache', 'BGL', 'HDFS', 'HPC', 'Hadoop', 'HealthApp', 'OpenSSH', 'Proxifier', 'Spark', 'Windows', 'Zookeeper'] as const;

/** Tuned-per-system Drain's grouping accuracy (Zhu et al., ICSE-SEIP 2019), from the data README. */
export const DRAIN_GA: Record<string, number> = {
  Android: 0.911, Apache: 1.0, BGL: 0.963, HDFS: 0.998, HPC: 0.887, Hadoop: 0.948, HealthApp: 0.78,
  OpenSSH: 0.788, Proxifier: 0.527, Spark: 0.92, Windows: 0.997, Zookeeper: 0.967,
};

/** Splits one CSV record, honouring quotes and doubled quotes. */
export function parseCsvLine(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cur += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out;
}

export interface Labelled {
  content: string;
  eventId: string;
  template: string;
}

/** Reads `Content`, `EventId` and `EventTemplate` of one system's structured CSV. */
export function loadSystem(dataDir: string, system: string): Labelled[] {
  const text = readFileSync(`${dataDir}/${system}/${system}_2k.log_structured_corrected.csv`, 'utf8');
  const lines = text.split(/\r?\n/).filter((l) => l !== '');
  const header = parseCsvLine(lines[0] ?? '');
  const [c, e, t] = ['Content', 'EventId', 'EventTemplate'].map((h) => header.indexOf(h));
  return lines.slice(1).map((l) => {
    const f = parseCsvLine(l);
    return { content: f[c ?? -1] ?? '', eventId: f[e ?? -1] ?? '', template: f[t ?? -1] ?? '' };
  });
}

/**
 * Grouping accuracy: a message counts when its predicted group holds exactly the messages of its
 * true event. Parsing accuracy: a message counts when its predicted template equals the truth.
 */
export function scores(truth: Labelled[], predicted: { clusterId: string | number; template: string }[]): { ga: number; pa: number; clusters: number } {
  const groups = (keys: string[]) => {
    const m = new Map<string, number[]>();
    keys.forEach((k, i) => (m.get(k) ?? m.set(k, []).get(k))?.push(i));
    return m;
  };
  const pred = groups(predicted.map((p) => String(p.clusterId)));
  const real = groups(truth.map((t) => t.eventId));
  let correct = 0;
  for (const members of pred.values()) {
    const first = members[0];
    if (first === undefined) continue;
    const trueGroup = real.get(truth[first]?.eventId ?? '');
    if (trueGroup && trueGroup.length === members.length && members.every((i) => truth[i]?.eventId === truth[first]?.eventId)) correct += members.length;
  }
  const norm = (s: string) => s.replace(/\s+/g, ' ').trim();
  const pa = predicted.filter((p, i) => norm(p.template) === norm(truth[i]?.template ?? '')).length;
  return { ga: correct / truth.length, pa: pa / truth.length, clusters: pred.size };
}
