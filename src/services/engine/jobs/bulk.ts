// Retry, cancel, delete or clear every job matching a filter, set-based: chunks of BULK_CHUNK
// jobs, each one transaction whose statement changes the jobs and writes each job's history entry.
// Up to BULK_INLINE_LIMIT matching jobs are done in the call; a larger filter (or `background`)
// becomes a job of its own (kind engine.bulk) that works through the chunks, checkpointing after
// each, reporting progress, and can be paused, resumed or cancelled like any job.
import { sql } from 'drizzle-orm';
import { query } from '../../../db/client.ts';
import { inTransaction, type ServiceContext } from '../../context.ts';
import { InvalidInputError } from '../../errors.ts';
import { appendHistory } from '../history.ts';
import type { Actor, Job, JobStatus, Json } from '../types.ts';
import { parseInput } from '../../validate.ts';
import { z } from 'zod';
import { applyBulkChunk, bulkConditions, bulkStatuses, type BulkCounts, type BulkOperation } from './bulkChunk.ts';
import { enqueueJob } from './enqueue.ts';
import type { JobFilter } from './read.ts';

export type { BulkCounts, BulkOperation } from './bulkChunk.ts';

/** Jobs per chunk (per transaction). */
export const BULK_CHUNK = 5_000;
/** More matching jobs than this run as a bulk job instead of in the call. */
export const BULK_INLINE_LIMIT = 10_000;
/** The kind of the job a large bulk operation runs as (src/handlers/engine/bulk.ts). */
export const BULK_JOB_KIND = 'engine.bulk';

export interface BulkOutcome extends BulkCounts {
  /** Set when the operation runs as a job: the counts are then 0, and the job reports them. */
  job: Job | null;
}

export async function applyToJobs(
  ctx: ServiceContext,
  filter: JobFilter,
  operation: BulkOperation,
  by: Actor,
  options: { background?: boolean } = {},
): Promise<BulkOutcome> {
  assertSomeCondition(filter);
  if (bulkStatuses(operation, filter).length === 0) return { matched: 0, changed: 0, skipped: 0, job: null };
  const large = options.background || (await countBulkTargets(ctx, operation, filter, BULK_INLINE_LIMIT + 1)) > BULK_INLINE_LIMIT;
  if (large) {
    const payload = { operation, filter: filterToJson(filter), actor: by.actor, reason: by.reason ?? null };
    const { job } = await enqueueJob(ctx, { kind: BULK_JOB_KIND, payload }, by, { engine: true });
    return { matched: 0, changed: 0, skipped: 0, job };
  }
  let counts: BulkCounts = { matched: 0, changed: 0, skipped: 0 };
  let before: number | null = null;
  do {
    const chunk = await applyBulkChunk(ctx, operation, filter, { before, limit: BULK_CHUNK }, by);
    counts = addCounts(counts, chunk);
    before = chunk.next;
  } while (before !== null);
  await finishBulk(ctx, operation, filter, counts, by);
  return { ...counts, job: null };
}

const clearInput = z.object({
  status: z.enum(['completed', 'failed', 'cancelled']),
  olderThan: z.coerce.date().optional(),
  queue: z.string().min(1).optional(),
});

/**
 * Deletes finished jobs of one status (optionally finished before a time, in one queue), each
 * with its history entry, and one summary entry for the clear; a large clear runs as a bulk job.
 */
export async function clearJobs(
  ctx: ServiceContext,
  input: { status: Extract<JobStatus, 'completed' | 'failed' | 'cancelled'>; olderThan?: Date; queue?: string },
  by: Actor,
  options: { background?: boolean } = {},
): Promise<{ deleted: number; job: Job | null }> {
  const { status, olderThan, queue } = parseInput(clearInput, input);
  const outcome = await applyToJobs(ctx, { status: [status], finishedBefore: olderThan, queue }, 'clear', by, options);
  return { deleted: outcome.changed, job: outcome.job };
}

/** How many jobs the operation would touch now, counting at most `upTo`. */
export async function countBulkTargets(ctx: ServiceContext, operation: BulkOperation, filter: JobFilter, upTo?: number, excludeJobId?: number): Promise<number> {
  const limit = upTo === undefined ? sql`` : sql`limit ${upTo}`;
  const [row] = await query<{ n: number | string }>(
    ctx.db,
    sql`select count(*) as n from (select 1 from jobs where ${bulkConditions(operation, filter, excludeJobId)} ${limit}) m`,
  );
  return Number(row?.n ?? 0);
}

/** A clear also gets one summary entry (target `jobs`), once all its chunks are done. */
export async function finishBulk(ctx: ServiceContext, operation: BulkOperation, filter: JobFilter, counts: BulkCounts, by: Actor): Promise<void> {
  if (operation !== 'clear') return;
  await inTransaction(ctx, (tx, emit) =>
    appendHistory(tx, emit, [
      {
        actor: by.actor,
        operation: 'clear',
        targetType: 'jobs',
        targetId: filter.status?.join(',') ?? 'finished',
        after: { deleted: counts.changed, status: filter.status?.[0] ?? null, olderThan: filter.finishedBefore?.toISOString() ?? null, queue: filter.queue ?? null },
        reason: by.reason,
      },
    ]),
  );
}

export const addCounts = (a: BulkCounts, b: BulkCounts): BulkCounts => ({
  matched: a.matched + b.matched,
  changed: a.changed + b.changed,
  skipped: a.skipped + b.skipped,
});

function assertSomeCondition(filter: JobFilter) {
  // A condition that selects nothing out (an empty status list, an empty name) would select every job.
  if (!Object.values(filter).some((value) => (Array.isArray(value) ? value.length > 0 : Boolean(value)))) {
    throw new InvalidInputError([{ path: 'filter', message: 'give at least one condition: a bulk operation over every job is refused' }]);
  }
}

/** The filter as JSON (dates as ISO text): a bulk job's payload, a clear's history entry. */
export function filterToJson(filter: JobFilter): { [key: string]: Json } {
  return Object.fromEntries(
    Object.entries(filter)
      .filter(([, value]) => value !== undefined && value !== null)
      .map(([key, value]) => [key, value instanceof Date ? value.toISOString() : (value as Json)]),
  );
}
