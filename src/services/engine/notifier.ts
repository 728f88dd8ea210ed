// Wakes workers after jobs become ready. One NOTIFY per burst of enqueues, not one per job:
// NOTIFY serialises commits, so a NOTIFY inside every enqueue would cap enqueue throughput.
import { setTimeout } from 'node:timers/promises';
import { type SQL, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { createBatcher } from '../batcher.ts';

export const JOBS_CHANNEL = 'pressroom_jobs';
export const CONTROL_CHANNEL = 'pressroom_control';

/** The NOTIFY that wakes workers, as an expression a statement can carry (delivered at its commit). */
export const NOTIFY_JOBS: SQL = sql`pg_notify(${JOBS_CHANNEL}, '')`;

export interface JobNotifier {
  /** Says that jobs may be ready to claim; resolves once workers have been told. */
  jobsReady(): Promise<void>;
  /**
   * True when the caller's own statement may carry the NOTIFY (NOTIFY_JOBS) instead: no other
   * NOTIFY went out within the interval or waits to. One round trip less between the first
   * enqueue after a quiet spell and its start. The caller then does not call jobsReady().
   */
  takeInlineNotify(): boolean;
  drain(): Promise<void>;
}

/**
 * After a NOTIFY, calls wait this long and then go out as one: at most one NOTIFY per interval
 * however fast jobs are enqueued, while the first enqueue after a quiet spell is announced at once.
 * Each NOTIFY is a statement and a serialised commit; under a stream of enqueues they cost a sixth
 * of the throughput. Every enqueue is still followed by a NOTIFY, at most this much later: a worker
 * whose last claim found nothing more waits for one (src/worker/worker.ts).
 */
const NOTIFY_INTERVAL_MS = 2;

export function createJobNotifier(db: Db): JobNotifier {
  /** performance.now() before which another NOTIFY would come too soon. */
  let quietFrom = 0;
  let waiting = 0;
  const batcher = createBatcher<null>(async () => {
    const tooSoon = quietFrom - performance.now();
    if (tooSoon > 0) await setTimeout(tooSoon);
    await db.execute(sql`select ${NOTIFY_JOBS}`);
    quietFrom = performance.now() + NOTIFY_INTERVAL_MS;
  });
  return {
    jobsReady: () => {
      waiting++;
      return batcher.add(null).finally(() => waiting--);
    },
    takeInlineNotify: () => {
      if (waiting > 0 || performance.now() < quietFrom) return false;
      quietFrom = performance.now() + NOTIFY_INTERVAL_MS;
      return true;
    },
    drain: () => batcher.drain(),
  };
}
