// A bulk operation over a large filter, run as a job: chunk after chunk (each one transaction,
// set-based, each job with its history entry), checkpointing the cursor and the counts after each
// chunk and reporting progress, so that a pause or cancel stops it between chunks and a resumed
// or retried run goes on from the last chunk done. Its own job is never one of its targets.
import { z } from 'zod';
import { addCounts, BULK_CHUNK, BULK_JOB_KIND, countBulkTargets, finishBulk, type BulkCounts } from '../../services/engine/jobs/bulk.ts';
import { applyBulkChunk } from '../../services/engine/jobs/bulkChunk.ts';
import { JOB_STATUSES } from '../../services/engine/types.ts';
import { defineHandler } from '../../worker/handler.ts';

const payload = z.object({
  operation: z.enum(['retry', 'cancel', 'delete', 'clear']),
  filter: z
    .object({
      status: z.array(z.enum(JOB_STATUSES)).optional(),
      kind: z.string().optional(),
      queue: z.string().optional(),
      stage: z.string().optional(),
      runId: z.string().optional(),
      createdAfter: z.coerce.date().optional(),
      createdBefore: z.coerce.date().optional(),
      finishedBefore: z.coerce.date().optional(),
    })
    .strict(),
  /** Who asked: each job's history entry names them, not the worker. */
  actor: z.string().min(1),
  reason: z.string().nullable().default(null),
});

interface Progress extends BulkCounts {
  /** Where the next chunk starts (ids below it); null before the first chunk. */
  before: number | null;
  /** Jobs matching when the operation started, for the percentage. */
  total: number;
}

export const bulkJobs = defineHandler({
  kind: BULK_JOB_KIND,
  internal: true,
  payload,
  async run(ctx) {
    const { operation, filter, actor, reason } = ctx.payload;
    const by = { actor, reason: reason ?? `bulk ${operation} (job ${ctx.job.runId})` };
    const saved = ctx.lastCheckpoint?.data as Progress | undefined;
    let state: Progress = saved ?? {
      before: null,
      total: await countBulkTargets(ctx.services, operation, filter, undefined, ctx.job.id),
      matched: 0,
      changed: 0,
      skipped: 0,
    };
    for (;;) {
      const chunk = await applyBulkChunk(ctx.services, operation, filter, { before: state.before, limit: BULK_CHUNK, excludeJobId: ctx.job.id }, by);
      if (chunk.next === null) break;
      state = { ...state, ...addCounts(state, chunk), before: chunk.next };
      ctx.progress({
        percent: Math.min(100, Math.round((1000 * state.matched) / Math.max(state.total, 1)) / 10),
        stage: operation,
        message: `${state.changed} of ${state.total} jobs (${state.skipped} skipped)`,
      });
      // The cursor and counts so far: a pause or cancel takes effect here, between chunks.
      await ctx.checkpoint('chunks', { ...state });
    }
    const counts = { matched: state.matched, changed: state.changed, skipped: state.skipped };
    await finishBulk(ctx.services, operation, filter, counts, by);
    return { operation, ...counts };
  },
});
