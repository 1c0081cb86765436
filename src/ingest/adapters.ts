import type { Orchestrator } from '../runs/schema.ts';
import type { Adapter } from './adapter.ts';
import { airflowAdapter } from './airflow.ts';
import { argoAdapter } from './argo.ts';
import { controlmAdapter } from './controlm.ts';
import { genericAdapter } from './generic.ts';
import { openLineageAdapter } from './openlineage.ts';

/** The adapter for each orchestrator format `POST /v1/events` accepts. */
export const adapters: Record<Orchestrator, Adapter> = {
  openlineage: openLineageAdapter,
  airflow: airflowAdapter,
  argo: argoAdapter,
  controlm: controlmAdapter,
  generic: genericAdapter,
};
