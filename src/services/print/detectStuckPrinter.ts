// The seed's DetectStuckPrinter: a print cycle whose run is gone (its lease expired: the worker
// stopped renewing it) or that made no progress for printStuckAfterMs is stuck. Recovery resets
// its Processing rows to FailedExport, cancels the cycle and clears the governor (IsPrinting and
// the pending cycle). A dry run only says what it would do.
import type { ServiceContext } from '../context.ts';
import { clearGovernorPending } from '../engine/governors.ts';
import { getJob } from '../engine/jobs/read.ts';
import { appendHistory } from '../engine/history.ts';
import { cancelJob } from '../engine/jobs/manage.ts';
import { recoverExpiredLeases } from '../engine/jobs/recovery.ts';
import type { Actor, Job } from '../engine/types.ts';
import { inTransaction } from '../context.ts';
import { resetOrphanedRows } from './cycle.ts';
import { PRINT_GOVERNOR } from './model.ts';
import { healPrintLocks } from './healPrintLocks.ts';
import { getPrintGovernor } from './printGovernor.ts';

export interface StuckPrinterReport {
  stuck: boolean;
  /** Why the cycle is stuck, or why nothing was done. */
  reason: string;
  cycle: Job | null;
  dryRun: boolean;
  rowsReset: number;
  pendingCleared: boolean;
  governorReleased: boolean;
}

/** Why the cycle holding the print governor is stuck, or null while it is healthy. */
export function stuckReason(cycle: Job | null, holder: string | null, stuckAfterMs: number, now = new Date()): string | null {
  if (holder === null) return null;
  if (!cycle || cycle.status !== 'running') return `the governor is held by ${holder}, which is no longer running`;
  if (!cycle.leaseExpiresAt || cycle.leaseExpiresAt <= now) return `its worker ${cycle.workerId ?? '?'} stopped renewing its lease`;
  const lastProgress = new Date(cycle.checkpoint?.at ?? cycle.startedAt ?? cycle.updatedAt);
  if (now.getTime() - lastProgress.getTime() > stuckAfterMs) return `no progress since ${lastProgress.toISOString()} (printStuckAfterMs ${stuckAfterMs})`;
  return null;
}

export async function detectStuckPrinter(ctx: ServiceContext, options: { dryRun: boolean }, by: Actor): Promise<StuckPrinterReport> {
  const governor = await getPrintGovernor(ctx.db);
  const cycle = governor.currentCycle;
  const reason = stuckReason(cycle, governor.holder, ctx.settings.printStuckAfterMs);
  const report: StuckPrinterReport = { stuck: reason !== null, reason: reason ?? 'no stuck print cycle', cycle, dryRun: options.dryRun, rowsReset: 0, pendingCleared: false, governorReleased: false };
  if (!reason || options.dryRun) return report;
  const recovery = { actor: by.actor, reason: `stuck printer: ${reason}${by.reason ? ` (${by.reason})` : ''}` };
  await inTransaction(ctx, (tx, emit) =>
    appendHistory(tx, emit, [
      { actor: by.actor, operation: 'detectStuckPrinter', targetType: 'governor', targetId: PRINT_GOVERNOR, before: { holder: governor.holder, cycleJobId: cycle?.id ?? null }, after: { stuck: true, reason }, reason: by.reason },
    ]),
  );
  report.pendingCleared = await clearGovernorPending(ctx, PRINT_GOVERNOR, recovery);
  if (cycle?.status === 'running') {
    report.rowsReset = await resetOrphanedRows(ctx, recovery, cycle.id);
    // A live run stops at once (its signal aborts); a run whose worker is gone is ended now.
    report.cycle = await cancelJob(ctx, cycle.id, recovery);
    if (!cycle.leaseExpiresAt || cycle.leaseExpiresAt <= new Date()) await recoverExpiredLeases(ctx, recovery);
  } else {
    report.rowsReset = await resetOrphanedRows(ctx, recovery);
  }
  report.governorReleased = (await healPrintLocks(ctx, recovery)).released || !(await getPrintGovernor(ctx.db)).isPrinting;
  if (cycle) report.cycle = await getJob(ctx.db, cycle.id);
  return report;
}
