// After runs end: governors they held and slots of limited queues are free again, so jobs waiting
// on them may start (on any worker, hence the NOTIFY), and a run asked for meanwhile is enqueued.
// Jobs put back in the queue are announced the same way.
import type { ServiceContext } from '../../context.ts';
import { startPendingRun } from '../governors.ts';
import type { TransitionResult } from './transitionStatement.ts';

export async function afterRelease(ctx: ServiceContext, outcome: TransitionResult): Promise<void> {
  if (outcome.released.length === 0 && !outcome.freedLimitedSlot) return;
  for (const governor of outcome.released) await startPendingRun(ctx, governor);
  notifyWorkers(ctx);
}

/**
 * For transitions that put jobs back in the queue ready to run now (retry, resume, recovery, a
 * hand-back): workers hear of them at once, not at their next poll. A failed attempt's retry is
 * not one: it waits for its backoff, and the supervisor announces it when due.
 */
export function announceRequeued(ctx: ServiceContext, outcome: TransitionResult): void {
  if (outcome.summaries.some((job) => job.status === 'queued')) notifyWorkers(ctx);
}

const notifyWorkers = (ctx: ServiceContext) => ctx.notifier.jobsReady().catch((error) => ctx.log.warn({ err: error }, 'could not notify workers'));
