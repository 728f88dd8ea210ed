// Wakes workers after jobs become ready. One NOTIFY per burst of enqueues, not one per job:
// NOTIFY serialises commits, so a NOTIFY inside every enqueue would cap enqueue throughput.
import { sql } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { createBatcher } from './batcher.ts';

export const JOBS_CHANNEL = 'pressroom_jobs';
export const CONTROL_CHANNEL = 'pressroom_control';

export interface JobNotifier {
  /** Says that jobs may be ready to claim; resolves once workers have been told. */
  jobsReady(): Promise<void>;
  drain(): Promise<void>;
}

export function createJobNotifier(db: Db): JobNotifier {
  const batcher = createBatcher<null>(async () => {
    await db.execute(sql`select pg_notify(${JOBS_CHANNEL}, '')`);
  });
  return {
    jobsReady: () => batcher.add(null),
    drain: () => batcher.drain(),
  };
}
