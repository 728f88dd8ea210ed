// Operator actions on single jobs: pause, resume, cancel, retry, force-fail, delete; and clearing
// finished jobs. Each checks the transition table, writes one transaction with its history entry,
// and reaches a running job's worker through a control request (NOTIFY), whichever process it is.
import { sql } from 'drizzle-orm';
import { query, type Db } from '../../../db/client.ts';
import { inTransaction, type Emit, type ServiceContext } from '../../context.ts';
import { DedupeConflictError, InvalidTransitionError, NotFoundError } from '../../errors.ts';
import { appendHistory } from '../history.ts';
import { CONTROL_CHANNEL } from '../notifier.ts';
import { jobFromRow } from '../rows.ts';
import type { Actor, Job, JobStatus } from '../types.ts';
import { afterRelease, announceRequeued } from './pendingRuns.ts';
import { runTransition, type TransitionResult } from './transitionStatement.ts';
import { assertTransition, type JobOperation } from './transitions.ts';

/** What a cancel of a job that is not running sets; what a retry sets (shared with bulk operations). */
export const CANCEL_WAITING = sql`status = 'cancelled', finished_at = now()`;
export const RETRY = sql`status = 'queued', attempts = 0, run_at = now(), finished_at = null`;

async function lockJob(tx: Db, jobId: number): Promise<Job> {
  const [row] = await query<Record<string, unknown>>(tx, sql`select * from jobs where id = ${jobId} for update`);
  if (!row) throw new NotFoundError('job', String(jobId));
  return jobFromRow(row);
}

const target = (job: Job) => sql`select id, status as status_before from jobs where id = ${job.id}`;

/** Locks the job, checks the operation against the table, applies the change chosen for its status. */
async function operate(
  ctx: ServiceContext,
  jobId: number,
  operation: JobOperation,
  by: Actor,
  change: (job: Job, tx: Db, emit: Emit) => Promise<TransitionResult>,
): Promise<Job> {
  const outcome = await inTransaction(ctx, async (tx, emit) => {
    const job = await lockJob(tx, jobId);
    assertTransition(operation, job.id, job.status);
    return change(job, tx, emit);
  });
  await afterRelease(ctx, outcome);
  announceRequeued(ctx, outcome);
  return outcome.jobs[0]!;
}

/** Asks the worker running the job to stop at its next checkpoint; the job stays running until then. */
async function requestControl(tx: Db, emit: Emit, job: Job, request: 'pause' | 'cancel', operation: JobOperation, by: Actor) {
  const result = await runTransition(tx, emit, {
    operation,
    actor: by.actor,
    reason: by.reason,
    targets: target(job),
    set: sql`control_request = ${request}`,
    detail: sql`jsonb_build_object('requested', ${request}::text)`,
  });
  await tx.execute(sql`select pg_notify(${CONTROL_CHANNEL}, ${String(job.id)})`);
  return result;
}

export function pauseJob(ctx: ServiceContext, jobId: number, by: Actor): Promise<Job> {
  return operate(ctx, jobId, 'pause', by, async (job, tx, emit) => {
    // A cancel already asked of the run wins: a pause must not quietly replace it.
    if (job.controlRequest === 'cancel') throw new InvalidTransitionError(job.id, 'running with a cancel requested', 'pause');
    return job.status === 'running'
      ? requestControl(tx, emit, job, 'pause', 'pause', by)
      : runTransition(tx, emit, { operation: 'pause', actor: by.actor, reason: by.reason, targets: target(job), set: sql`status = 'paused', paused_at = now()` });
  });
}

export function resumeJob(ctx: ServiceContext, jobId: number, by: Actor): Promise<Job> {
  return operate(ctx, jobId, 'resume', by, (job, tx, emit) =>
    runTransition(tx, emit, {
      operation: 'resume',
      actor: by.actor,
      reason: by.reason,
      targets: target(job),
      set: sql`status = 'queued', run_at = now(), resume_count = j.resume_count + 1`,
    }),
  );
}

export function cancelJob(ctx: ServiceContext, jobId: number, by: Actor): Promise<Job> {
  return operate(ctx, jobId, 'cancel', by, (job, tx, emit) =>
    job.status === 'running'
      ? requestControl(tx, emit, job, 'cancel', 'cancel', by)
      : runTransition(tx, emit, { operation: 'cancel', actor: by.actor, reason: by.reason, targets: target(job), set: CANCEL_WAITING }),
  );
}

/** Runs a failed or cancelled job again, with a fresh set of attempts, from its last checkpoint. */
export function retryJob(ctx: ServiceContext, jobId: number, by: Actor): Promise<Job> {
  return operate(ctx, jobId, 'retry', by, async (job, tx, emit) => {
    if (job.dedupeKey) await assertDedupeKeyFree(tx, job);
    return runTransition(tx, emit, {
      operation: 'retry',
      actor: by.actor,
      reason: by.reason,
      targets: target(job),
      set: RETRY,
    });
  });
}

async function assertDedupeKeyFree(tx: Db, job: Job) {
  const [live] = await query<{ id: number | string }>(
    tx,
    sql`select id from jobs where dedupe_key = ${job.dedupeKey} and status in ('queued', 'running', 'paused') and id <> ${job.id}`,
  );
  if (live) throw new DedupeConflictError(job.id, job.dedupeKey!, Number(live.id));
}

/** Fails a job now, whatever it is doing; a running handler's later writes are fenced off. */
export function forceFailJob(ctx: ServiceContext, jobId: number, by: Actor): Promise<Job> {
  return operate(ctx, jobId, 'forceFail', by, async (job, tx, emit) => {
    const error = { message: by.reason ?? 'failed by an operator', class: 'fatal', attempt: job.attempts, run: job.runs, at: new Date().toISOString() };
    const errorLog = [...job.errorLog, error].slice(-ctx.settings.errorLogLimit);
    // The worker running it, if any, hears of it and stops the handler.
    if (job.status === 'running') await tx.execute(sql`select pg_notify(${CONTROL_CHANNEL}, ${String(job.id)})`);
    return runTransition(tx, emit, {
      operation: 'forceFail',
      actor: by.actor,
      reason: by.reason,
      targets: target(job),
      set: sql`status = 'failed', finished_at = now(), lease_token = null, lease_expires_at = null, control_request = null,
        last_error = ${JSON.stringify(error)}::jsonb, error_log = ${JSON.stringify(errorLog)}::jsonb`,
    });
  });
}

/** Deletes a job that is not running (cancel it first); its history stays. */
export async function deleteJob(ctx: ServiceContext, jobId: number, by: Actor): Promise<Job> {
  return inTransaction(ctx, async (tx, emit) => {
    const job = await lockJob(tx, jobId);
    assertTransition('delete', job.id, job.status);
    await tx.execute(sql`delete from jobs where id = ${job.id}`);
    await appendHistory(tx, emit, [
      { actor: by.actor, operation: 'delete', targetType: 'job', targetId: String(job.id), before: { status: job.status, runId: job.runId }, reason: by.reason },
    ]);
    emit('job:deleted', { id: job.id, runId: job.runId, queue: job.queue });
    return job;
  });
}
