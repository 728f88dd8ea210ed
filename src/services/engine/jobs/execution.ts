// What a running handler reports: progress, stages, checkpoints and items. Each write is fenced
// by the run's lease token, so a stale run cannot touch a newer attempt, and each returns the
// pause/cancel request waiting for the run, so the handler learns of it at its next report.
import { type SQL, sql } from 'drizzle-orm';
import { query } from '../../../db/client.ts';
import { withEvents, type ServiceContext } from '../../context.ts';
import { StaleLeaseError } from '../../errors.ts';
import { jobSummary } from '../../events.ts';
import { jobFromRow, jobItemFromRow } from '../rows.ts';
import type { Job, JobItem, JobProgress, Json } from '../types.ts';

/** Identifies one run of a job: the job and the lease token its claim handed out. */
export interface RunRef {
  jobId: number;
  leaseToken: string;
}

export type ControlRequest = 'pause' | 'cancel' | null;

async function updateRun(ctx: ServiceContext, run: RunRef, set: SQL, event: 'job:progress' | 'job:updated'): Promise<Job> {
  return withEvents(ctx, async (emit) => {
    const [row] = await query<Record<string, unknown>>(
      ctx.db,
      sql`update jobs set ${set}, heartbeat_at = now(), updated_at = now()
          where id = ${run.jobId} and lease_token = ${run.leaseToken} and status = 'running'
          returning *`,
    );
    if (!row) throw new StaleLeaseError(run.jobId);
    const job = jobFromRow(row);
    emit(event, jobSummary(job));
    return job;
  });
}

export async function reportProgress(ctx: ServiceContext, run: RunRef, progress: JobProgress): Promise<ControlRequest> {
  const job = await updateRun(ctx, run, sql`progress = ${JSON.stringify(progress)}::jsonb`, 'job:progress');
  return job.controlRequest;
}

/** Declares the stages a handler will go through, so dashboards show what is ahead. */
export async function declareStages(ctx: ServiceContext, run: RunRef, names: string[]): Promise<Job> {
  const stages = names.map((name) => ({ name, status: 'pending' }));
  return updateRun(ctx, run, sql`stages = case when stages = '[]'::jsonb then ${JSON.stringify(stages)}::jsonb else stages end`, 'job:updated');
}

export async function markStage(
  ctx: ServiceContext,
  run: RunRef,
  name: string,
  status: 'running' | 'completed',
): Promise<ControlRequest> {
  const stamp = status === 'running' ? 'startedAt' : 'finishedAt';
  const patch = sql`jsonb_build_object('name', ${name}::text, 'status', ${status}::text, ${stamp}::text, now())`;
  const job = await updateRun(
    ctx,
    run,
    sql`stages = case
          when exists (select 1 from jsonb_array_elements(stages) s where s->>'name' = ${name})
          then (select jsonb_agg(case when s->>'name' = ${name} then s || ${patch} else s end order by ord)
                from jsonb_array_elements(stages) with ordinality as e(s, ord))
          else stages || jsonb_build_array(${patch})
        end,
        progress = coalesce(progress, '{"percent": 0}'::jsonb) || jsonb_build_object('stage', ${name}::text)`,
    'job:progress',
  );
  return job.controlRequest;
}

/** Saves a stage's result; a resumed or retried run starts from the last one. */
export async function saveCheckpoint(ctx: ServiceContext, run: RunRef, stage: string, data: Json): Promise<ControlRequest> {
  const checkpoint = sql`jsonb_build_object('stage', ${stage}::text, 'data', ${JSON.stringify(data)}::jsonb, 'at', now())`;
  const job = await updateRun(ctx, run, sql`checkpoint = ${checkpoint}`, 'job:updated');
  return job.controlRequest;
}

/** The next items not yet processed, in order. */
export async function pendingItems(ctx: ServiceContext, jobId: number, limit: number): Promise<JobItem[]> {
  const rows = await query<Record<string, unknown>>(
    ctx.db,
    sql`select * from job_items where job_id = ${jobId} and status = 'pending' order by position limit ${limit}`,
  );
  return rows.map(jobItemFromRow);
}

/**
 * Records one item's outcome and the job's counts and progress in one statement. A failed item
 * is also logged in the job's error log; the job goes on.
 */
export async function recordItem(
  ctx: ServiceContext,
  run: RunRef & { attempt: number },
  position: number,
  outcome: { ok: true } | { ok: false; error: string },
): Promise<ControlRequest> {
  const failed = !outcome.ok;
  const error = outcome.ok ? null : outcome.error;
  return withEvents(ctx, async (emit) => {
    const [row] = await query<Record<string, unknown>>(
      ctx.db,
      sql`with item as (
            update job_items set status = ${failed ? 'failed' : 'processed'}, error = ${error}, processed_at = now()
            where job_id = ${run.jobId} and position = ${position} and status = 'pending'
              and exists (select 1 from jobs where id = ${run.jobId} and lease_token = ${run.leaseToken} and status = 'running')
            returning key
          )
          update jobs j set
            items_processed = items_processed + ${failed ? 0 : 1},
            items_failed = items_failed + ${failed ? 1 : 0},
            progress = coalesce(progress, '{}'::jsonb) || jsonb_build_object(
              'percent', round(100.0 * (items_processed + items_failed + 1) / greatest(items_total, 1), 1),
              'message', (items_processed + items_failed + 1) || ' of ' || items_total || ' items'),
            error_log = case when ${failed} then
              (select coalesce(jsonb_agg(e order by n), '[]') from (
                 select e, n from jsonb_array_elements(error_log || jsonb_build_array(jsonb_build_object(
                   'message', ${error}::text, 'class', 'item', 'attempt', ${run.attempt}::int, 'at', now(), 'item', item.key)))
                   with ordinality as x(e, n)
                 order by n desc limit ${ctx.settings.errorLogLimit}) kept)
              else error_log end,
            heartbeat_at = now(), updated_at = now()
          from item
          where j.id = ${run.jobId}
          returning j.*`,
    );
    if (!row) throw new StaleLeaseError(run.jobId);
    const job = jobFromRow(row);
    emit('job:progress', jobSummary(job));
    return job.controlRequest;
  });
}
