-- When Medic recorded each attempt's current state, as opposed to when the scheduler says it
-- changed (`state_at`): the heal sweep looks for failures stored recently without their analysis
-- (the queue was down when they came, or the process died between the two) and queues them again
-- (src/incidents/unanalysed.ts); a failure backfilled from last month is as recent as any by this
-- measure. Attempts stored before this column existed read as recorded at -infinity, so the sweep
-- leaves their past alone; the default is set apart so that adding the column does not rewrite
-- the table.
alter table run_attempts add column state_recorded_at timestamptz not null default '-infinity';
alter table run_attempts alter column state_recorded_at set default now();

create index run_attempts_failed_recorded_idx on run_attempts (state_recorded_at) where state in ('failed', 'aborted');
