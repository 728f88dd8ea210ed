// One chunk of a bulk operation, set-based, in one transaction: lock up to `limit` matching jobs
// (newest first, below a cursor), change them with one statement that also writes each job's
// history entry, publish after the commit. A bulk operation is a loop over such chunks.
import { type SQL, sql } from 'drizzle-orm';
import { query, type Db } from '../../../db/client.ts';
import { inTransaction, type Emit, type ServiceContext } from '../../context.ts';
import { emitHistory } from '../history.ts';
import { CONTROL_CHANNEL } from '../notifier.ts';
import type { Actor, JobStatus } from '../types.ts';
import { CANCEL_WAITING, RETRY } from './manage.ts';
import { afterRelease, announceRequeued } from './pendingRuns.ts';
import { jobFilterConditions, type JobFilter } from './read.ts';
import { runTransition } from './transitionStatement.ts';
import { fromStatuses } from './transitions.ts';

/** clear is delete over finished jobs, with one summary entry besides each job's. */
export type BulkOperation = 'retry' | 'cancel' | 'delete' | 'clear';

export interface BulkCounts {
  /** Jobs the filter selected whose status allows the operation. */
  matched: number;
  changed: number;
  /** Matched, but left as they were: a retry whose dedupe key a live job holds, a running job already asked to cancel. */
  skipped: number;
}

export interface ChunkPosition {
  /** Only jobs with a lower id (the chunks walk newest first); null: from the newest. */
  before: number | null;
  limit: number;
  /** The bulk job running the operation: never its own target. */
  excludeJobId?: number;
}

/** The statuses the operation applies to, within the filter's own. */
export function bulkStatuses(operation: BulkOperation, filter: JobFilter): JobStatus[] {
  const allowed = fromStatuses(operation === 'clear' ? 'delete' : operation);
  return filter.status?.length ? filter.status.filter((s) => allowed.includes(s)) : [...allowed];
}

/** The filter's jobs that the operation may apply to, as SQL conditions. */
export function bulkConditions(operation: BulkOperation, filter: JobFilter, excludeJobId?: number): SQL {
  const conditions = jobFilterConditions({ ...filter, status: bulkStatuses(operation, filter) });
  if (excludeJobId !== undefined) conditions.push(sql`id <> ${excludeJobId}`);
  return sql.join(conditions, sql` and `);
}

/** Applies the operation to the next chunk; `next` is where the following chunk starts, null when none is left. */
export async function applyBulkChunk(
  ctx: ServiceContext,
  operation: BulkOperation,
  filter: JobFilter,
  position: ChunkPosition,
  by: Actor,
): Promise<BulkCounts & { next: number | null }> {
  const outcome = await inTransaction(ctx, async (tx, emit) => {
    const below = position.before === null ? sql`true` : sql`id < ${position.before}`;
    const locked = await query<{ id: number | string }>(
      tx,
      sql`select id from jobs where ${bulkConditions(operation, filter, position.excludeJobId)} and ${below}
          order by id desc limit ${position.limit} for update`,
    );
    const ids = locked.map((row) => Number(row.id));
    if (ids.length === 0) return null;
    const idSet = sql`(select value::bigint from jsonb_array_elements_text(${JSON.stringify(ids)}::jsonb))`;
    const change = await CHANGES[operation](tx, emit, idSet, by);
    return { ids, ...change };
  });
  if (!outcome) return { matched: 0, changed: 0, skipped: 0, next: null };
  if (outcome.transition) {
    await afterRelease(ctx, outcome.transition);
    announceRequeued(ctx, outcome.transition);
  }
  const matched = outcome.ids.length;
  return { matched, changed: outcome.changed, skipped: matched - outcome.changed, next: Math.min(...outcome.ids) };
}

type Change = (tx: Db, emit: Emit, ids: SQL, by: Actor) => Promise<{ changed: number; transition?: Awaited<ReturnType<typeof runTransition>> }>;

const LIVE = sql`('queued', 'running', 'paused')`;

const retry: Change = async (tx, emit, ids, by) => {
  const transition = await runTransition(tx, emit, {
    operation: 'retry',
    actor: by.actor,
    reason: by.reason,
    // A job whose dedupe key a live job holds stays as it is; of several sharing a key, the newest goes.
    targets: sql`select id, status_before from (
        select j.id, j.status as status_before, j.dedupe_key,
               row_number() over (partition by j.dedupe_key order by j.id desc) as newest
        from jobs j where j.id in ${ids}) c
      where c.dedupe_key is null
         or (c.newest = 1 and not exists (select 1 from jobs l where l.dedupe_key = c.dedupe_key and l.status in ${LIVE}))`,
    set: RETRY,
    summariesOnly: true,
  });
  return { changed: transition.summaries.length, transition };
};

const cancel: Change = async (tx, emit, ids, by) => {
  // A waiting job is cancelled; a running one is asked to stop (its worker hears of it at once).
  const transition = await runTransition(tx, emit, {
    operation: 'cancel',
    actor: by.actor,
    reason: by.reason,
    targets: sql`select id, status as status_before from jobs where id in ${ids} and not (status = 'running' and control_request is not distinct from 'cancel')`,
    set: sql`status = case when j.status = 'running' then 'running' else 'cancelled' end,
      finished_at = case when j.status = 'running' then j.finished_at else now() end,
      control_request = case when j.status = 'running' then 'cancel' else j.control_request end`,
    detail: sql`case when upd.status = 'running' then jsonb_build_object('requested', 'cancel') else '{}'::jsonb end`,
    summariesOnly: true,
  });
  const running = transition.summaries.filter((job) => job.status === 'running').map((job) => job.id);
  if (running.length > 0) {
    await tx.execute(sql`select pg_notify(${CONTROL_CHANNEL}, id::text) from jsonb_array_elements_text(${JSON.stringify(running)}::jsonb) as x(id)`);
  }
  return { changed: transition.summaries.length, transition };
};

const remove: Change = async (tx, emit, ids, by) => {
  const [out] = await query<{ gone: { id: number | string; run_id: string; queue: string }[]; history: Record<string, unknown>[] }>(
    tx,
    sql`with gone as (
          delete from jobs where id in ${ids} returning id, status, run_id, queue
        ),
        logged as (
          insert into history (actor, operation, target_type, target_id, before, reason)
          select ${by.actor}::text, 'delete', 'job', id::text, jsonb_build_object('status', status, 'runId', run_id), ${by.reason ?? null}::text
          from gone
          returning *
        )
        select (select coalesce(json_agg(gone), '[]') from gone) as gone,
               (select coalesce(json_agg(logged), '[]') from logged) as history`,
  );
  const gone = out?.gone ?? [];
  for (const job of gone) emit('job:deleted', { id: Number(job.id), runId: job.run_id, queue: job.queue });
  emitHistory(emit, out?.history ?? null);
  return { changed: gone.length };
};

const CHANGES: Record<BulkOperation, Change> = { retry, cancel, delete: remove, clear: remove };
