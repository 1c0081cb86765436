import type { Deps } from '../deps.ts';

export type { AgentKit } from './kit-type.ts';

export type AgentDeps = Pick<Deps, 'pool' | 'signatures' | 'embedder' | 'decideCache' | 'guard' | 'policies' | 'clock' | 'config' | 'remedy' | 'log' | 'queue' | 'notifier' | 'agent'>;
