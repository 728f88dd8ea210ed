// One statement that moves a set of jobs to a new status, releases the governors they held and
// appends a history entry per job. Every worker- and operator-driven status change uses it.
import { type SQL, sql } from 'drizzle-orm';
import { query, type Db } from '../../../db/client.ts';
import type { Emit } from '../../context.ts';
import { jobSummary, type JobSummary } from '../../events.ts';
import { emitHistory } from '../history.ts';
import { governorFromRow, jobFromRow } from '../rows.ts';
import type { Governor, Job } from '../types.ts';
import type { JobOperation } from './transitions.ts';

export interface TransitionSpec {
  operation: JobOperation;
  actor: string;
  reason?: string | null;
  /**
   * `select j.id, j.status as status_before, … from jobs j … for update of j`: the jobs to move,
   * already guarded (status, lease token). Other columns it selects are visible to `set` as `t.*`.
   */
  targets: SQL;
  /** The SET list for `jobs j`, may use `t.*`; updated_at is set for you. */
  set: SQL;
  /** Extra history detail, a jsonb expression over the updated row `upd`. */
  detail?: SQL;
  /**
   * Bulk operations and completions: return (and publish) job summaries only, not whole rows;
   * `jobs` is then empty. Thousands of rows with their payloads and results are too much to send
   * back for nothing.
   */
  summariesOnly?: boolean;
}

export interface TransitionResult {
  /** The jobs as they are now (empty with summariesOnly). */
  jobs: Job[];
  summaries: JobSummary[];
  /** Governors released because the job holding them stopped running. */
  released: Governor[];
  /** A job of a queue with a concurrency limit stopped running: a slot is free for any worker. */
  freedLimitedSlot: boolean;
}

export async function runTransition(tx: Db, emit: Emit, spec: TransitionSpec): Promise<TransitionResult> {
  const [out] = await query<{
    jobs: Record<string, unknown>[];
    history: Record<string, unknown>[];
    released: Record<string, unknown>[];
    freed_limited_slot: boolean;
  }>(
    tx,
    sql`with t as (${spec.targets}),
        upd as (
          update jobs j set ${spec.set}, updated_at = now()
          -- = ANY(array): the planner cannot size t, and may hash the whole jobs table to join it
          from t where j.id = t.id and j.id = any(array(select id from t))
          returning j.*, t.status_before
        ),
        released as (
          update governors g
          set holder = null, holder_job_id = null, acquired_at = null, lease_expires_at = null, updated_at = now(),
              -- a pending run with no job to enqueue has no one left to run it once more
              pending = g.pending and g.pending_job is not null
          from upd where g.holder_job_id = upd.id and upd.status <> 'running'
          returning g.*, upd.id as job_id, upd.run_id as job_run_id
        ),
        released_log as (
          insert into history (actor, operation, target_type, target_id, before, after, reason)
          select ${spec.actor}::text, 'release', 'governor', name,
                 jsonb_build_object('holder', 'job:' || job_run_id, 'holderJobId', job_id),
                 jsonb_build_object('holder', null, 'pending', pending),
                 ${`the job holding it left running (${spec.operation})`}::text
          from released
          returning *
        ),
        logged as (
          insert into history (actor, operation, target_type, target_id, before, after, reason)
          select ${spec.actor}::text, ${spec.operation}::text, 'job', upd.id::text,
                 jsonb_build_object('status', upd.status_before),
                 jsonb_build_object('status', upd.status, 'attempt', upd.attempts, 'run', upd.runs) || ${spec.detail ?? sql`'{}'::jsonb`},
                 ${spec.reason ?? null}::text
          from upd
          returning *
        )
        select (select coalesce(json_agg(${spec.summariesOnly ? SUMMARY : sql`upd`}), '[]') from upd) as jobs,
               (select coalesce(json_agg(h), '[]') from (select * from logged union all select * from released_log) h) as history,
               (select coalesce(json_agg(released), '[]') from released) as released,
               -- the few limited queues first: with none (the usual case) the moved jobs are not read again
               exists (select 1 from queues q where q.concurrency is not null and q.name in (
                         select upd.queue from upd where upd.status_before = 'running' and upd.status <> 'running')) as freed_limited_slot`,
  );
  const jobs = spec.summariesOnly ? [] : (out?.jobs ?? []).map(jobFromRow);
  const summaries = spec.summariesOnly
    ? (out?.jobs ?? []).map((row) => ({ ...(row as unknown as JobSummary), updatedAt: new Date(row.updatedAt as string).toISOString() }))
    : jobs.map(jobSummary);
  const released = (out?.released ?? []).map(governorFromRow);
  for (const summary of summaries) emit('job:updated', summary);
  for (const governor of released) emit('governor:updated', { governor });
  emitHistory(emit, out?.history ?? null);
  return { jobs, summaries, released, freedLimitedSlot: Boolean(out?.freed_limited_slot) };
}

/** A JobSummary (src/services/events.ts) built from the updated row `upd`. */
const SUMMARY = sql`json_build_object('id', upd.id, 'runId', upd.run_id, 'kind', upd.kind, 'queue', upd.queue, 'status', upd.status,
  'attempts', upd.attempts, 'maxAttempts', upd.max_attempts, 'progress', upd.progress, 'itemsTotal', upd.items_total,
  'itemsProcessed', upd.items_processed, 'itemsFailed', upd.items_failed, 'workerId', upd.worker_id, 'updatedAt', upd.updated_at)`;
