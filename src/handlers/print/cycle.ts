// The print cycle (kind print.cycle): holds the print governor (the engine gives it to the job as
// it starts), drains lane rows chunk by chunk with pacing, production before historical, skipping
// documents already printed, and stops when nothing is left to print now. Every chunk ends with a
// checkpoint: the stop point for pause and cancel, and the cycle's sign of progress.
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { raiseAlert } from '../../services/engine/alerts.ts';
import type { ServiceContext } from '../../services/context.ts';
import { claimPrintChunk, printableBacklog, recordPrintChunk, resetOrphanedRows, type ClaimedRow, type CycleRun, type RowOutcome } from '../../services/print/cycle.ts';
import { listLaneStates } from '../../services/print/lanes.ts';
import { PRINT_GOVERNOR } from '../../services/print/model.ts';
import type { Printer } from '../../services/print/printers/printer.ts';
import { PRINT_CYCLE_KIND } from '../../services/print/requestPrintCycle.ts';
import { FatalError, JobInterrupted, TransientError } from '../../worker/errors.ts';
import { defineHandler, type HandlerContext } from '../../worker/handler.ts';

/** The longest a cycle sleeps waiting for a row's retry before it looks again (and checkpoints). */
const RETRY_WAIT_MAX_MS = 2_000;

const retryDelayMs = (error: unknown, attempt: number) =>
  error instanceof TransientError && error.retryAfterMs !== undefined ? error.retryAfterMs : Math.min(30_000, 500 * 2 ** (attempt - 1));

interface Totals {
  exported: number;
  skipped: number;
  retrying: number;
  failed: number;
  chunks: number;
}

export function createPrintCycleHandler(printer: () => Printer) {
  return defineHandler({
    kind: PRINT_CYCLE_KIND,
    // Only print cycles hold the print governor or wait as its pending run (the seed's IsPrinting / PendingPrintCycle).
    governor: PRINT_GOVERNOR,
    payload: z.object({}).strict(),
    async run(ctx) {
      const { services } = ctx;
      const run: CycleRun = { jobId: ctx.job.id, attempt: ctx.job.attempts, workerId: ctx.job.workerId ?? 'worker' };
      const by = { actor: run.workerId, reason: `print cycle job ${run.jobId}` };
      // Rows an earlier cycle left Processing when it died are reset before anything else.
      await resetOrphanedRows(services, by);
      const totals: Totals = { exported: 0, skipped: 0, retrying: 0, failed: 0, chunks: 0 };
      for (;;) {
        const claimed = await claimPrintChunk(services, run, services.settings.printChunkSize);
        if (claimed.length === 0) {
          const backlog = await printableBacklog(services.db);
          if (backlog.ready > 0) {
            await sleep(50, undefined, { signal: ctx.signal });
            continue;
          }
          if (!backlog.nextRetryAt) break;
          await sleep(Math.min(RETRY_WAIT_MAX_MS, Math.max(0, backlog.nextRetryAt.getTime() - Date.now())), undefined, { signal: ctx.signal });
          await ctx.checkpoint('printing', { ...totals });
          continue;
        }
        const outcomes = await printChunk(ctx, printer(), claimed, services, run);
        const summary = await recordPrintChunk(services, run, claimed, outcomes, by);
        totals.exported += summary.exported;
        totals.skipped += summary.skipped;
        totals.retrying += summary.retrying;
        totals.failed += summary.failed;
        totals.chunks++;
        const done = totals.exported + totals.skipped + totals.failed;
        // The kept lane counts, not a count of the rows: this runs after every chunk.
        const queued = (await listLaneStates(services.db)).reduce((sum, lane) => sum + (lane.paused ? 0 : lane.counts.queued), 0);
        ctx.progress({ percent: Math.floor((100 * done) / Math.max(1, done + queued)), stage: 'printing', message: `${done} rows done, ${queued} queued; last ${claimed.at(-1)!.document.key}` });
        await ctx.checkpoint('printing', { ...totals });
        const pacing = services.settings.printPacingMs;
        if (pacing > 0) await sleep(pacing, undefined, { signal: ctx.signal });
      }
      ctx.progress({ percent: 100, stage: 'done', message: `${totals.exported} printed, ${totals.skipped} skipped as printed, ${totals.failed} failed` });
      return { ...totals };
    },
  });
}

/**
 * Prints the chunk's documents, `printer.concurrency` at a time (in order when 1); a document
 * that appears twice, or that the dedupe table knows, is skipped. When the cycle must stop (a
 * fatal printer error, a pause or cancel), the prints under way finish, their outcomes and those
 * before are recorded, the rows not tried are released, and the error goes on to the engine.
 */
async function printChunk(ctx: HandlerContext<unknown>, printer: Printer, claimed: ClaimedRow[], services: ServiceContext, run: CycleRun): Promise<RowOutcome[]> {
  const outcomes: RowOutcome[] = [];
  const seen = new Set<string>();
  const toPrint: ClaimedRow[] = [];
  for (const entry of claimed) {
    if (entry.alreadyPrinted || seen.has(entry.document.key)) outcomes.push({ rowId: entry.row.id, outcome: 'skipped' });
    else toPrint.push(entry);
    seen.add(entry.document.key);
  }
  let stop: unknown = null;
  let next = 0;
  const printNext = async () => {
    while (stop === null && next < toPrint.length) {
      const { row, document } = toPrint[next++]!;
      try {
        if (ctx.signal.aborted) throw ctx.signal.reason;
        await printer.print(document, ctx.signal);
        outcomes.push({ rowId: row.id, outcome: 'printed' });
      } catch (error) {
        if (ctx.signal.aborted || error instanceof FatalError || error instanceof JobInterrupted) {
          stop ??= ctx.signal.aborted ? ctx.signal.reason : error;
          return;
        }
        outcomes.push({ rowId: row.id, outcome: 'failed', error: error instanceof Error ? error.message : String(error), retryAfterMs: retryDelayMs(error, row.attempts) });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(printer.concurrency ?? 1, toPrint.length)) }, printNext));
  if (stop === null) return outcomes;
  const handled = new Set(outcomes.map((o) => o.rowId));
  const released = claimed.filter((c) => !handled.has(c.row.id)).map((c) => ({ rowId: c.row.id, outcome: 'released' as const }));
  await recordPrintChunk(services, run, claimed, [...outcomes, ...released], { actor: run.workerId, reason: 'print cycle stopping' }).catch((recordError: unknown) =>
    ctx.log.warn({ err: recordError }, 'could not record the outcomes of a stopped print chunk'),
  );
  if (stop instanceof FatalError) {
    await raiseAlert(
      services,
      { kind: 'print.printerFailed', severity: 'critical', targetType: 'governor', targetId: PRINT_GOVERNOR, message: `print cycle job ${run.jobId} stopped: ${stop.message}` },
      { actor: run.workerId },
    ).catch(() => {});
  }
  throw stop;
}
