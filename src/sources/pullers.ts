/** The puller of each kind of source. */
import { airflowPuller } from './airflow.ts';
import { argoPuller } from './argo.ts';
import type { SourceConfig } from './config.ts';
import { controlmPuller } from './controlm.ts';
import { marquezPuller } from './marquez.ts';
import type { PullCall, Puller } from './puller.ts';

export function pullerFor(source: SourceConfig, call: PullCall): Puller {
  switch (source.kind) {
    case 'airflow': return airflowPuller(source, call);
    case 'argo': return argoPuller(source, call);
    case 'controlm': return controlmPuller(source, call);
    case 'marquez': return marquezPuller(source, call);
  }
}
