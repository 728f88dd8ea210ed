// What a running handler reports: progress, stages, checkpoints and items. Each write is fenced
// by the run's lease token, so a stale run cannot touch a newer attempt, and each returns the
// pause/cancel request waiting for the run, so the handler learns of it at its next report.
import { type SQL, sql } from 'drizzle-orm';
import { query } from '../../../db/client.ts';
import { withEvents, type ServiceContext } from '../../context.ts';
import { StaleLeaseError } from '../../errors.ts';
import { jobSummary } from '../../events.ts';
import { emitHistory } from '../history.ts';
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

/** Marks a stage running (its completion is completeStage). */
export async function startStage(ctx: ServiceContext, run: RunRef, name: string): Promise<ControlRequest> {
  const patch = sql`jsonb_build_object('name', ${name}::text, 'status', 'running', 'startedAt', now())`;
  const job = await updateRun(
    ctx,
    run,
    sql`stages = ${stagesWith(name, patch)},
        progress = coalesce(progress, '{"percent": 0}'::jsonb) || jsonb_build_object('stage', ${name}::text)`,
    'job:progress',
  );
  return job.controlRequest;
}

/**
 * Saves a stage's result in the checkpoint and marks the stage completed, in one statement: a
 * stage whose result was saved is done, and a pause or cancel heard now cannot leave it running.
 */
export async function completeStage(ctx: ServiceContext, run: RunRef, name: string, results: Json): Promise<ControlRequest> {
  const checkpoint = sql`jsonb_build_object('stage', ${name}::text, 'data', ${JSON.stringify(results)}::jsonb, 'at', now())`;
  const patch = sql`jsonb_build_object('name', ${name}::text, 'status', 'completed', 'finishedAt', now())`;
  const job = await updateRun(ctx, run, sql`checkpoint = ${checkpoint}, stages = ${stagesWith(name, patch)}`, 'job:updated');
  return job.controlRequest;
}

/** `stages` with the stage `name` patched, or appended when it was not declared. */
const stagesWith = (name: string, patch: SQL) =>
  sql`case
        when exists (select 1 from jsonb_array_elements(stages) s where s->>'name' = ${name})
        then (select jsonb_agg(case when s->>'name' = ${name} then s || ${patch} else s end order by ord)
              from jsonb_array_elements(stages) with ordinality as e(s, ord))
        else stages || jsonb_build_array(${patch})
      end`;

/** Saves a checkpoint; a resumed or retried run starts from the last one. */
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
 * A failed item gets a history entry of its own (which item, why, which run) for the first
 * ITEM_FAILURES_IN_HISTORY failures of a job; past that, the history would grow by a row per item
 * of a job that fails wholesale (100,000 items), so the rest are counted in the completion entry
 * and kept on the items themselves (status failed, with the error) and in the error log.
 */
export const ITEM_FAILURES_IN_HISTORY = 100;

/**
 * Records one item's outcome and the job's counts and progress in one statement. A failed item
 * is also logged in the job's error log and (see above) its history; the job goes on.
 */
export async function recordItem(
  ctx: ServiceContext,
  run: RunRef,
  position: number,
  outcome: { ok: true } | { ok: false; error: string },
): Promise<ControlRequest> {
  const failed = !outcome.ok;
  const error = outcome.ok ? null : outcome.error;
  return withEvents(ctx, async (emit) => {
    const [out] = await query<{ job: Record<string, unknown> | null; history: Record<string, unknown>[] }>(
      ctx.db,
      sql`with item as (
            update job_items set status = ${failed ? 'failed' : 'processed'}, error = ${error}, processed_at = now()
            where job_id = ${run.jobId} and position = ${position} and status = 'pending'
              and exists (select 1 from jobs where id = ${run.jobId} and lease_token = ${run.leaseToken} and status = 'running')
            returning key, position
          ),
          updated as (
            update jobs j set
              items_processed = items_processed + ${failed ? 0 : 1},
              items_failed = items_failed + ${failed ? 1 : 0},
              progress = coalesce(progress, '{}'::jsonb) || jsonb_build_object(
                'percent', round(100.0 * (items_processed + items_failed + 1) / greatest(items_total, 1), 1),
                'message', (items_processed + items_failed + 1) || ' of ' || items_total || ' items'),
              error_log = case when ${failed} then
                (select coalesce(jsonb_agg(e order by n), '[]') from (
                   select e, n from jsonb_array_elements(error_log || jsonb_build_array(jsonb_build_object(
                     'message', ${error}::text, 'class', 'item', 'attempt', j.attempts, 'run', j.runs, 'at', now(), 'item', item.key)))
                     with ordinality as x(e, n)
                   order by n desc limit ${ctx.settings.errorLogLimit}) kept)
                else error_log end,
              heartbeat_at = now(), updated_at = now()
            from item
            where j.id = ${run.jobId}
            returning j.*, item.key as item_key, item.position as item_position
          ),
          logged as (
            insert into history (actor, operation, target_type, target_id, after)
            select coalesce(worker_id, 'worker'), 'itemFailed', 'job', id::text,
                   jsonb_build_object('item', item_key, 'position', item_position, 'error', ${error}::text,
                     'attempt', attempts, 'run', runs, 'itemsFailed', items_failed)
            from updated where ${failed} and items_failed <= ${ITEM_FAILURES_IN_HISTORY}
            returning *
          )
          select (select to_json(updated) from updated) as job,
                 (select coalesce(json_agg(logged), '[]') from logged) as history`,
    );
    if (!out?.job) throw new StaleLeaseError(run.jobId);
    const job = jobFromRow(out.job);
    emit('job:progress', jobSummary(job));
    emitHistory(emit, out.history);
    return job.controlRequest;
  });
}
