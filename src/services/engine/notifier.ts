// Wakes workers after jobs become ready. One NOTIFY per burst of enqueues, not one per job:
// NOTIFY serialises commits, so a NOTIFY inside every enqueue would cap enqueue throughput.
import { setTimeout } from 'node:timers/promises';
import { sql } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { createBatcher } from '../batcher.ts';

export const JOBS_CHANNEL = 'pressroom_jobs';
export const CONTROL_CHANNEL = 'pressroom_control';

export interface JobNotifier {
  /** Says that jobs may be ready to claim; resolves once workers have been told. */
  jobsReady(): Promise<void>;
  drain(): Promise<void>;
}

/**
 * After a NOTIFY, calls wait this long and then go out as one: at most one NOTIFY per interval
 * however fast jobs are enqueued, while the first enqueue after a quiet spell is announced at once.
 * Each NOTIFY is a statement and a serialised commit; under a stream of enqueues they cost a sixth
 * of the throughput, and workers busy with that stream claim again without being told.
 */
const NOTIFY_INTERVAL_MS = 2;

export function createJobNotifier(db: Db): JobNotifier {
  const batcher = createBatcher<null>(async () => {
    await db.execute(sql`select pg_notify(${JOBS_CHANNEL}, '')`);
    await setTimeout(NOTIFY_INTERVAL_MS);
  });
  return {
    jobsReady: () => batcher.add(null),
    drain: () => batcher.drain(),
  };
}
