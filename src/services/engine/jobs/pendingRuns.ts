// After runs end: governors they held and slots of limited queues are free again, so jobs waiting
// on them may start (on any worker, hence the NOTIFY), and a run asked for meanwhile is enqueued.
import type { ServiceContext } from '../../context.ts';
import { startPendingRun } from '../governors.ts';
import type { TransitionResult } from './transitionStatement.ts';

export async function afterRelease(ctx: ServiceContext, outcome: TransitionResult): Promise<void> {
  if (outcome.released.length === 0 && !outcome.freedLimitedSlot) return;
  for (const governor of outcome.released) await startPendingRun(ctx, governor);
  ctx.notifier.jobsReady().catch((error) => ctx.log.warn({ err: error }, 'could not notify workers'));
}
