import type { Command } from 'commander';

/**
 * Every top-level command, by the module that defines it. `medic` loads only the module of the
 * command it runs, so a command pays for its own imports and nothing else, and `medic --help`
 * loads none: it lists the commands from here (a test holds these descriptions to the modules').
 */
export interface CommandModule {
  load: () => Promise<(program: Command) => void>;
  commands: Record<string, string>;
}

export const COMMAND_MODULES: CommandModule[] = [
  {
    load: async () => (await import('./server.ts')).registerServer,
    commands: {
      serve: 'run the API and the queue workers',
      worker: 'run queue workers only (needs REDIS_URL and DATABASE_URL)',
      migrate: 'apply pending database migrations',
    },
  },
  { load: async () => (await import('./ingest.ts')).registerIngest, commands: { ingest: "ingest run events from a file, in an orchestrator's own format" } },
  {
    load: async () => (await import('./sync.ts')).registerSync,
    commands: {
      sync: "pull run history from the sources' own APIs into Medic, from each one's cursor (resumable, idempotent)",
      sources: 'the configured sources and their sync health: last success, lag, last error',
    },
  },
  { load: async () => (await import('./runs.ts')).registerRuns, commands: { runs: 'list runs, newest first' } },
  { load: async () => (await import('./incidents.ts')).registerIncidents, commands: { incidents: 'list incidents, newest first', incident: 'one incident with its evidence' } },
  {
    load: async () => (await import('./signatures.ts')).registerSignatures,
    commands: { signatures: 'failure signatures', reindex: 're-embed every signature with the configured embedder' },
  },
  { load: async () => (await import('./excerpt.ts')).registerExcerpt, commands: { excerpt: 'print the lines of each build or job log that explain its failure (- reads stdin)' } },
  { load: async () => (await import('./services.ts')).registerServices, commands: { services: 'business services (list; apply FILE)' } },
  { load: async () => (await import('./forecast.ts')).registerForecast, commands: { forecast: 'forecast a service instance: breach probability, ETA fan, critical path, time to act' } },
  {
    load: async () => (await import('./trace.ts')).registerTrace,
    commands: {
      trace: 'trace a service instance across every system: runs, datasets, links, against their usual times',
      origin: 'where a problem began: an incident, or with --service a service instance; ranked candidates, evidence, blast radius',
    },
  },
  { load: async () => (await import('./buffers.ts')).registerBuffers, commands: { buffers: 'downstream jobs that start on a clock rather than on their inputs' } },
  { load: async () => (await import('./policies.ts')).registerPolicies, commands: { policies: 'the loaded policies (list; check, test, schema, backtest, diff)' } },
  { load: async () => (await import('./check.ts')).registerCheck, commands: { check: 'check a configuration repository as a whole: policies, services, prompts, approvers and what they name in one another' } },
  { load: async () => (await import('./export.ts')).registerExport, commands: { export: 'export history for use without the store: failures, how they ended, what happened next (NDJSON)' } },
  { load: async () => (await import('./decide.ts')).registerDecide, commands: { decide: "decide about one failure or preflight through the decision endpoint's path (logged like it)" } },
  {
    load: async () => (await import('./approvals.ts')).registerApprovals,
    commands: {
      approvals: 'approval requests, newest first',
      approval: 'one approval request: evidence, dry run, votes, execution',
      approve: 'approve the current version of the action',
      reject: 'reject the request, saying why',
      modify: "change the delay or the rerun's task within the policy's bounds",
    },
  },
  { load: async () => (await import('./agent.ts')).registerAgent, commands: { agent: 'agent steps: diagnose an incident and propose what the policies allow' } },
  { load: async () => (await import('./audit.ts')).registerAudit, commands: { audit: 'the audit log of one incident, decision, approval or execution, oldest first' } },
  { load: async () => (await import('./doctor.ts')).registerDoctor, commands: { doctor: 'check the configuration, the store, the queue, Slack and the model endpoint, and say how to fix what is wrong' } },
  { load: async () => (await import('./demo.ts')).registerDemo, commands: { demo: 'load a realistic multi-orchestrator history and show what Medic makes of it' } },
];
