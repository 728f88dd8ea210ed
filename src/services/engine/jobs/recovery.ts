// Jobs whose worker is gone: back to the queue with attempts left, failed without; a pause or
// cancel asked of the dead run takes effect instead. A worker is gone when it stopped renewing
// its leases (they expired), or, in server mode, as soon as its database session ended
// (src/services/engine/liveness.ts).
import { type SQL, sql } from 'drizzle-orm';
import { withEvents, type ServiceContext } from '../../context.ts';
import type { Actor, Job } from '../types.ts';
import { afterRelease, announceRequeued } from './pendingRuns.ts';
import { runTransition } from './transitionStatement.ts';

export async function recoverExpiredLeases(ctx: ServiceContext, by: Actor, limit = 1_000): Promise<Job[]> {
  return recoverRuns(ctx, by, {
    which: sql`lease_expires_at < now() order by lease_expires_at limit ${limit}`,
    message: sql`'lease expired: the worker ' || coalesce(j.worker_id, '?') || ' stopped renewing it'`,
    reason: 'lease expired',
  });
}

/** The running jobs of workers whose process is known to be dead, whatever their leases say. */
export async function recoverRunsOfDeadWorkers(ctx: ServiceContext, workerIds: string[], by: Actor): Promise<Job[]> {
  if (workerIds.length === 0) return [];
  return recoverRuns(ctx, by, {
    which: sql`worker_id in (select jsonb_array_elements_text(${JSON.stringify(workerIds)}::jsonb)) order by id`,
    message: sql`'the worker ' || coalesce(j.worker_id, '?') || ' died (its database session ended)'`,
    reason: 'worker died',
  });
}

async function recoverRuns(ctx: ServiceContext, by: Actor, scope: { which: SQL; message: SQL; reason: string }): Promise<Job[]> {
  const error = sql`jsonb_build_object('message', ${scope.message}, 'class', 'transient', 'attempt', j.attempts, 'run', j.runs, 'at', now())`;
  const outcome = await withEvents(ctx, (emit) =>
    runTransition(ctx.db, emit, {
      operation: 'expireLease',
      actor: by.actor,
      reason: by.reason ?? scope.reason,
      targets: sql`select id, status as status_before from jobs
        where status = 'running' and ${scope.which}
        for update skip locked`,
      set: sql`status = case
            when j.control_request = 'pause' then 'paused'
            when j.control_request = 'cancel' then 'cancelled'
            when j.attempts < j.max_attempts then 'queued'
            else 'failed' end,
          paused_at = case when j.control_request = 'pause' then now() else j.paused_at end,
          finished_at = case
            when j.control_request = 'cancel' then now()
            when j.control_request = 'pause' or j.attempts < j.max_attempts then j.finished_at
            else now() end,
          last_error = ${error},
          error_log = j.error_log || jsonb_build_array(${error}),
          -- a run that died while asked to pause gives its attempt back, as a paused run does
          attempts = case when j.control_request = 'pause' then j.attempts - 1 else j.attempts end,
          run_at = now(), lease_token = null, lease_expires_at = null, control_request = null`,
      detail: sql`jsonb_build_object('workerId', upd.worker_id)`,
    }),
  );
  await afterRelease(ctx, outcome);
  announceRequeued(ctx, outcome);
  return outcome.jobs;
}
