// Governors: named single-run locks with a lease (seed 000's print governor and heartbeat lock,
// seed 003's one running job per kind). A run asked for while busy sets `pending`: it runs once
// more after release.
import { sql } from 'drizzle-orm';
import { query, type Db } from '../../db/client.ts';
import { inTransaction, transactionContext, type Emit, type ServiceContext } from '../context.ts';
import { GovernorBusyError, NotFoundError } from '../errors.ts';
import { appendHistory } from './history.ts';
import type { EnqueueInput } from './jobs/input.ts';
import { CONSTRAINED_CLAIM_LOCK } from './jobs/claim.ts';
import { enqueueJob } from './jobs/enqueue.ts';
import { governorOwnerProblem } from './kinds/check.ts';
import { governorFromRow } from './rows.ts';
import type { Actor, Governor, Job } from './types.ts';

type Row = Record<string, unknown>;

function emitGovernor(emit: Emit, row: Row): Governor {
  const governor = governorFromRow(row);
  emit('governor:updated', { governor });
  return governor;
}

/** Takes the governor for `holder` if it is free, expired, or already theirs; else GovernorBusyError. */
export async function tryAcquireGovernor(
  ctx: ServiceContext,
  name: string,
  holder: string,
  options: { leaseMs: number; markPendingIfBusy?: boolean },
): Promise<Governor> {
  // The busy case returns instead of throwing, so that a pending mark it sets is committed.
  const outcome = await inTransaction(ctx, async (tx, emit) => {
    // Serialised with the claims of governed jobs: a claim that saw the governor free would
    // otherwise hand it to its job over a holder that took it after the claim's snapshot.
    await tx.execute(sql`select pg_advisory_xact_lock(${CONSTRAINED_CLAIM_LOCK})`);
    const [row] = await query<Row>(
      tx,
      sql`insert into governors (name, holder, acquired_at, lease_expires_at, last_scheduled_at, updated_at)
          values (${name}, ${holder}, now(), now() + ${options.leaseMs} * interval '1 millisecond', now(), now())
          on conflict (name) do update
          set holder = excluded.holder, holder_job_id = null,
              -- the run starting now is the one a job-less pending request asked for
              pending = governors.pending and governors.pending_job is not null,
              acquired_at = case when governors.holder = excluded.holder then governors.acquired_at else now() end,
              lease_expires_at = excluded.lease_expires_at, last_scheduled_at = now(), updated_at = now()
          where governors.holder is null or governors.lease_expires_at <= now() or governors.holder = excluded.holder
          returning *`,
    );
    if (row) {
      await appendHistory(tx, emit, [{ actor: holder, operation: 'acquire', targetType: 'governor', targetId: name, after: { holder } }]);
      return { acquired: emitGovernor(emit, row) };
    }
    const [busy] = await query<Row>(
      tx,
      options.markPendingIfBusy
        ? sql`update governors set pending = true, updated_at = now() where name = ${name} returning *`
        : sql`select * from governors where name = ${name}`,
    );
    if (options.markPendingIfBusy && busy) emitGovernor(emit, busy);
    return { busyWith: (busy?.holder as string | null) ?? null };
  });
  if ('acquired' in outcome && outcome.acquired) return outcome.acquired;
  throw new GovernorBusyError(name, 'busyWith' in outcome ? (outcome.busyWith ?? null) : null);
}

export async function renewGovernor(ctx: ServiceContext, name: string, holder: string, leaseMs: number): Promise<Governor> {
  const [row] = await query<Row>(
    ctx.db,
    sql`update governors set lease_expires_at = now() + ${leaseMs} * interval '1 millisecond', updated_at = now()
        where name = ${name} and holder = ${holder} and lease_expires_at > now()
        returning *`,
  );
  if (!row) throw new GovernorBusyError(name, await currentHolder(ctx.db, name));
  return governorFromRow(row);
}

async function currentHolder(db: Db, name: string): Promise<string | null> {
  const [row] = await query<{ holder: string | null }>(db, sql`select holder from governors where name = ${name}`);
  return row?.holder ?? null;
}

export interface ReleaseOutcome {
  governor: Governor;
  /** A run was asked for while it was held: the caller (or the pending job) runs once more. */
  pending: boolean;
}

/** Releases a governor held by `holder`, or by anyone when `force` (an operator's recovery, with a reason). */
export async function releaseGovernor(
  ctx: ServiceContext,
  name: string,
  by: Actor & ({ holder: string } | { force: true }),
): Promise<ReleaseOutcome> {
  const outcome = await inTransaction(ctx, async (tx, emit) => {
    const [before] = await query<Row>(tx, sql`select * from governors where name = ${name} for update`);
    if (!before) throw new NotFoundError('governor', name);
    if ('holder' in by && before.holder !== by.holder) throw new GovernorBusyError(name, (before.holder as string | null) ?? null);
    const [row] = await query<Row>(
      tx,
      // A job-less pending request is handed to the releasing caller (outcome.pending) and so used up.
      sql`update governors set holder = null, holder_job_id = null, acquired_at = null, lease_expires_at = null,
            pending = pending and pending_job is not null, updated_at = now()
          where name = ${name} returning *`,
    );
    await appendHistory(tx, emit, [
      {
        actor: by.actor,
        operation: 'force' in by ? 'forceRelease' : 'release',
        targetType: 'governor',
        targetId: name,
        before: { holder: (before.holder as string | null) ?? null },
        after: { holder: null, pending: Boolean(before.pending) },
        reason: by.reason,
      },
    ]);
    return { governor: emitGovernor(emit, row!), pending: Boolean(before.pending) };
  });
  await startPendingRun(ctx, outcome.governor);
  // Jobs waiting on the governor may start now, on any worker.
  ctx.notifier.jobsReady().catch((error) => ctx.log.warn({ err: error }, 'could not notify workers'));
  return outcome;
}

export interface RunRequestOutcome {
  /** The job enqueued now, when the governor was free. */
  job: Job | null;
  /** True when the governor was busy and the run will follow its release. */
  pending: boolean;
}

/**
 * Asks for a run under the governor: enqueued now when the governor is free (the job claims the
 * governor when it starts), or remembered as pending and enqueued when the holder releases it.
 */
export async function requestGovernorRun(ctx: ServiceContext, name: string, job: EnqueueInput, by: Actor): Promise<RunRequestOutcome> {
  // The dedupe key keeps one waiting run per governor however often a run is asked for.
  const spec = { dedupeKey: `governor:${name}`, ...job, governorKey: name };
  // Checked here too: a busy governor takes the run as its pending run without enqueueing it.
  const ownerProblem = governorOwnerProblem(ctx, job.kind, name);
  if (ownerProblem) throw ownerProblem;
  const busy = await inTransaction(ctx, async (tx, emit) => {
    const [row] = await query<Row>(
      tx,
      sql`insert into governors (name, pending, pending_job, updated_at) values (${name}, false, null, now())
          on conflict (name) do update
          set pending = true, pending_job = ${JSON.stringify(spec)}::jsonb, updated_at = now()
          where governors.holder is not null and governors.lease_expires_at > now()
          returning *, (xmax <> 0) as was_busy`,
    );
    if (!row?.was_busy) return false;
    await appendHistory(tx, emit, [
      { actor: by.actor, operation: 'requestRun', targetType: 'governor', targetId: name, after: { pending: true, kind: job.kind }, reason: by.reason },
    ]);
    emitGovernor(emit, row);
    return true;
  });
  if (busy) return { job: null, pending: true };
  const { job: enqueued } = await enqueueJob(ctx, spec, by);
  return { job: enqueued, pending: false };
}

/**
 * After a release: if a run was asked for meanwhile and named a job, enqueue it now, exactly once.
 * Clearing `pending` and enqueueing the job commit together, so no moment shows the governor free
 * with no run pending and none queued (print maintenance would read that as rows without a cycle).
 */
export async function startPendingRun(ctx: ServiceContext, governor: Governor): Promise<Job | null> {
  if (!governor.pending) return null;
  const job = await inTransaction(ctx, async (tx, emit) => {
    const [taken] = await query<{ pending_job: EnqueueInput | null }>(
      tx,
      // RETURNING shows the row after the update, where pending_job is already null: take it from `taken`.
      sql`update governors g set pending = false, pending_job = null, updated_at = now()
          from (select name, pending_job from governors
                where name = ${governor.name} and pending and pending_job is not null and holder is null
                for update) taken
          where g.name = taken.name
          returning taken.pending_job`,
    );
    if (!taken?.pending_job) return null;
    const by = { actor: 'governor', reason: `pending run of ${governor.name}` };
    return (await enqueueJob(transactionContext(ctx, tx, emit), taken.pending_job, by)).job;
  });
  if (job) ctx.notifier.jobsReady().catch((error) => ctx.log.warn({ err: error }, 'could not notify workers'));
  return job;
}

/**
 * Heals governors whose holder is gone: the lease expired, or the job holding it is no longer
 * running. Returns the governors released.
 */
export async function healGovernors(ctx: ServiceContext, by: Actor, options: { except?: string[] } = {}): Promise<Governor[]> {
  const except = options.except ?? [];
  const healed = await inTransaction(ctx, async (tx, emit) => {
    const rows = await query<Row>(
      tx,
      sql`with stuck as (
            select g.name, g.holder from governors g
            where g.holder is not null
              and g.name not in (select jsonb_array_elements_text(${JSON.stringify(except)}::jsonb))
              and (g.lease_expires_at <= now()
                   or (g.holder_job_id is not null and not exists (
                         select 1 from jobs j where j.id = g.holder_job_id and j.status = 'running')))
            for update of g
          )
          update governors g set holder = null, holder_job_id = null, acquired_at = null, lease_expires_at = null, updated_at = now()
          from stuck where g.name = stuck.name
          returning g.*, stuck.holder as previous_holder`,
    );
    await appendHistory(
      tx,
      emit,
      rows.map((row) => ({
        actor: by.actor,
        operation: 'heal',
        targetType: 'governor',
        targetId: row.name as string,
        before: { holder: row.previous_holder as string },
        after: { holder: null },
        reason: by.reason ?? 'holder gone',
      })),
    );
    return rows.map((row) => emitGovernor(emit, row));
  });
  for (const governor of healed) await startPendingRun(ctx, governor);
  if (healed.length > 0) ctx.notifier.jobsReady().catch(() => {});
  return healed;
}

export async function listGovernors(db: Db): Promise<Governor[]> {
  return (await query<Row>(db, sql`select * from governors order by name`)).map(governorFromRow);
}

export async function getGovernor(db: Db, name: string): Promise<Governor> {
  const [row] = await query<Row>(db, sql`select * from governors where name = ${name}`);
  if (!row) throw new NotFoundError('governor', name);
  return governorFromRow(row);
}


/** Drops a pending run request (recovery: the seed's "clear PendingPrintCycle"); returns whether one was pending. */
export async function clearGovernorPending(ctx: ServiceContext, name: string, by: Actor): Promise<boolean> {
  return inTransaction(ctx, async (tx, emit) => {
    const [row] = await query<Row>(
      tx,
      sql`update governors set pending = false, pending_job = null, updated_at = now() where name = ${name} and pending returning *`,
    );
    if (!row) return false;
    await appendHistory(tx, emit, [
      { actor: by.actor, operation: 'clearPending', targetType: 'governor', targetId: name, before: { pending: true }, after: { pending: false }, reason: by.reason },
    ]);
    emitGovernor(emit, row);
    return true;
  });
}
