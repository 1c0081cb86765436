/** Every fault of the campaign, in the order the table prints them. */
import type { Fault } from './fault.ts';
import { clockSkew } from './clock-skew.ts';
import { decisionKill } from './decision-kill.ts';
import { diskFull } from './disk-full.ts';
import { ingestKill } from './ingest-kill.ts';
import { postgresRestart, redisRestart } from './outage.ts';

export const FAULTS: Fault[] = [
  ingestKill('postgres'),
  ingestKill('embedded'),
  decisionKill,
  postgresRestart,
  redisRestart,
  clockSkew,
  diskFull,
];
