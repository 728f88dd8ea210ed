// How a run ends: completed (batched), failed or retried, handed back, or stopped on request;
// and the lease renewal that keeps a run alive. All fenced by lease token, all through
// runTransition so each change carries its history entry and releases the governor it held.
import { type SQL, sql } from 'drizzle-orm';
import { query, type Db } from '../../../db/client.ts';
import { inTransaction, withEvents, type ServiceContext } from '../../context.ts';
import { StaleLeaseError } from '../../errors.ts';
import { jobFromRow } from '../rows.ts';
import type { ErrorClass, Job, JsonObject } from '../types.ts';
import { backoffDelayMs } from './backoff.ts';
import type { RunRef } from './execution.ts';
import { runTransition, type TransitionResult } from './transitionStatement.ts';
import { afterRelease, announceRequeued } from './pendingRuns.ts';

export interface Completion extends RunRef {
  result: unknown;
  metrics: JsonObject;
}

/** Completes many runs in one statement; returns the ids that were completed (stale runs are skipped). */
export async function completeRuns(ctx: ServiceContext, workerId: string, completions: Completion[]): Promise<number[]> {
  if (completions.length === 0) return [];
  const input = completions.map((c) => ({ id: c.jobId, token: c.leaseToken, result: c.result ?? null, metrics: c.metrics }));
  const outcome = await withEvents(ctx, (emit) =>
    runTransition(ctx.db, emit, {
      operation: 'complete',
      actor: workerId,
      targets: sql`select j.id, j.status_before, x.result, x.metrics
        from jsonb_to_recordset(${JSON.stringify(input)}::jsonb) as x(id bigint, token text, result jsonb, metrics jsonb)
        ${lockRunsOf(sql`x`)}`,
      set: sql`status = 'completed', result = t.result, metrics = coalesce(j.metrics, '{}'::jsonb) || t.metrics,
        finished_at = now(), lease_token = null, lease_expires_at = null, control_request = null,
        progress = coalesce(j.progress, '{}'::jsonb) || '{"percent": 100}'::jsonb`,
      detail: sql`jsonb_build_object('durationMs', upd.metrics->'durationMs') || ${itemCounts}`,
      summariesOnly: true,
    }),
  );
  await afterRelease(ctx, outcome);
  return outcome.summaries.map((job) => job.id);
}

export interface RunFailure extends RunRef {
  workerId: string;
  message: string;
  errorClass: Exclude<ErrorClass, 'item'>;
  /** For transient errors: retry after this long instead of the backoff policy's delay. */
  retryAfterMs?: number;
  metrics?: JsonObject;
}

/**
 * A failed attempt: fatal errors and exhausted attempts fail the job; transient errors send it back
 * to the queue after the given delay or the job's backoff.
 */
export async function failRun(ctx: ServiceContext, failure: RunFailure): Promise<Job> {
  const outcome = await inTransaction(ctx, async (tx, emit) => {
    const job = await lockRun(tx, failure);
    const retry = failure.errorClass === 'transient' && job.attempts < job.maxAttempts;
    const delayMs = retry ? (failure.retryAfterMs ?? backoffDelayMs(job.backoff, job.attempts)) : 0;
    const error = { message: failure.message, class: failure.errorClass, attempt: job.attempts, run: job.runs, at: new Date().toISOString() };
    const errorLog = [...job.errorLog, error].slice(-ctx.settings.errorLogLimit);
    return runTransition(tx, emit, {
      operation: 'failAttempt',
      actor: failure.workerId,
      targets: sql`select id, status as status_before from jobs where id = ${job.id}`,
      set: retry
        ? sql`status = 'queued', run_at = now() + ${delayMs} * interval '1 millisecond', ${endRun(failure, error, errorLog)}`
        : sql`status = 'failed', finished_at = now(), ${endRun(failure, error, errorLog)}`,
      detail: sql`jsonb_build_object('error', ${failure.message}::text, 'errorClass', ${failure.errorClass}::text) || ${itemCounts}
        || case when upd.status = 'queued' then jsonb_build_object('runAt', upd.run_at) else '{}'::jsonb end`,
    });
  });
  await afterRelease(ctx, outcome);
  return outcome.jobs[0]!;
}

/** A job with items: its counts when the run ended, for the history entry. */
const itemCounts = sql`case when upd.items_total > 0 then jsonb_build_object('items', jsonb_build_object(
  'total', upd.items_total, 'processed', upd.items_processed, 'failed', upd.items_failed)) else '{}'::jsonb end`;

/**
 * Joins each (id, token) row of `input` to its job, locked, while that run still holds it. A lateral
 * probe of the primary key per row: a plain join may hash every running job (and dead index entries).
 */
const lockRunsOf = (input: SQL) =>
  sql`cross join lateral (
        select id, status as status_before from jobs
        where id = ${input}.id and lease_token = ${input}.token and status = 'running'
        for update) j`;

const endRun = (failure: RunFailure, error: object, errorLog: object[]) =>
  sql`last_error = ${JSON.stringify(error)}::jsonb, error_log = ${JSON.stringify(errorLog)}::jsonb,
      metrics = coalesce(j.metrics, '{}'::jsonb) || ${JSON.stringify(failure.metrics ?? {})}::jsonb,
      lease_token = null, lease_expires_at = null, control_request = null`;

async function lockRun(tx: Db, run: RunRef): Promise<Job> {
  const [row] = await query<Record<string, unknown>>(
    tx,
    sql`select * from jobs where id = ${run.jobId} and lease_token = ${run.leaseToken} and status = 'running' for update`,
  );
  if (!row) throw new StaleLeaseError(run.jobId);
  return jobFromRow(row);
}

/**
 * The handler stopped at a checkpoint because a pause or cancel was asked: the job becomes
 * paused (resumable from its checkpoint) or cancelled. A pause does not use up an attempt.
 */
export async function acknowledgeControl(ctx: ServiceContext, run: RunRef & { workerId: string }): Promise<Job> {
  const outcome = await inTransaction(ctx, async (tx, emit) => {
    const job = await lockRun(tx, run);
    if (!job.controlRequest) throw new StaleLeaseError(run.jobId);
    return runTransition(tx, emit, {
      operation: 'acknowledgeControl',
      actor: run.workerId,
      targets: sql`select id, status as status_before from jobs where id = ${job.id}`,
      set:
        job.controlRequest === 'pause'
          ? sql`status = 'paused', paused_at = now(), attempts = j.attempts - 1, lease_token = null, lease_expires_at = null, control_request = null`
          : sql`status = 'cancelled', finished_at = now(), lease_token = null, lease_expires_at = null, control_request = null`,
    });
  });
  await afterRelease(ctx, outcome);
  return outcome.jobs[0]!;
}

/** Hands unfinished runs back to the queue (graceful shutdown); the attempt is not counted. */
export async function releaseRuns(ctx: ServiceContext, workerId: string, runs: RunRef[]): Promise<number[]> {
  if (runs.length === 0) return [];
  const input = runs.map((r) => ({ id: r.jobId, token: r.leaseToken }));
  const outcome = await withEvents(ctx, (emit) =>
    runTransition(ctx.db, emit, {
      operation: 'release',
      actor: workerId,
      reason: 'worker shutting down',
      targets: sql`select j.id, j.status_before
        from jsonb_to_recordset(${JSON.stringify(input)}::jsonb) as x(id bigint, token text)
        ${lockRunsOf(sql`x`)}`,
      set: sql`status = 'queued', run_at = now(), attempts = j.attempts - 1, lease_token = null, lease_expires_at = null`,
    }),
  );
  await afterRelease(ctx, outcome);
  announceRequeued(ctx, outcome);
  return outcome.jobs.map((job) => job.id);
}

export interface LeaseRenewal {
  /** Runs still held, with the pause or cancel waiting for each. */
  held: Map<number, 'pause' | 'cancel' | null>;
}

/** Extends the leases of a worker's runs (and of the governors they hold) and marks the worker seen. */
export async function renewLeases(ctx: ServiceContext, workerId: string, runs: RunRef[], leaseMs: number): Promise<LeaseRenewal> {
  const input = runs.map((r) => ({ id: r.jobId, token: r.leaseToken }));
  const rows = await query<{ id: number | string; control_request: 'pause' | 'cancel' | null }>(
    ctx.db,
    sql`with renewed as (
          update jobs j set lease_expires_at = now() + ${leaseMs} * interval '1 millisecond', heartbeat_at = now()
          from jsonb_to_recordset(${JSON.stringify(input)}::jsonb) as x(id bigint, token text)
          where j.id = x.id and j.lease_token = x.token and j.status = 'running'
          returning j.id, j.control_request, j.lease_expires_at
        ),
        governors_renewed as (
          update governors g set lease_expires_at = renewed.lease_expires_at
          from renewed where g.holder_job_id = renewed.id
        ),
        seen as (
          update workers set last_seen_at = now() where id = ${workerId}
        )
        select id, control_request from renewed`,
  );
  return { held: new Map(rows.map((r) => [Number(r.id), r.control_request])) };
}

export type { TransitionResult };
