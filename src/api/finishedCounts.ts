// Counts of finished jobs (completed, failed, cancelled) per queue, shared by the requests of one
// API process. They only grow until retention clears them, and counting them means reading every
// finished job's index entry: 115-125 ms for five queues at a million jobs (one index-only count
// per queue and status, see statusCountsOfQueues), on every dashboard request.
// So a count is served for up to MAX_AGE_MS and then recounted in the background while the old
// one is still served; a queue asked for the first time is counted before answering (an API
// process counts every queue as it starts: warmQueueStats).
import { sql } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { FINISHED_STATUSES, statusCountsOfQueues, type FinishedStatus } from '../services/engine/batchReads.ts';

export const MAX_AGE_MS = 5_000;

export type FinishedCounts = Record<FinishedStatus, number>;

interface Entry {
  counts: FinishedCounts;
  countedAt: number;
}

export class FinishedCountsCache {
  private readonly entries = new Map<string, Entry>();
  /** Queues being counted now, and the count they wait for. */
  private readonly counting = new Map<string, Promise<void>>();

  constructor(private readonly db: Db) {}

  async get(names: readonly string[]): Promise<Map<string, FinishedCounts>> {
    const now = Date.now();
    const stale = names.filter((name) => !this.counting.has(name) && now - (this.entries.get(name)?.countedAt ?? now) > MAX_AGE_MS);
    // A failed background recount leaves the old count in place; the next request tries again.
    if (stale.length > 0) this.count(stale).catch(() => {});
    const unknown = names.filter((name) => !this.entries.has(name));
    const fresh = unknown.filter((name) => !this.counting.has(name));
    if (fresh.length > 0) this.count(fresh);
    await Promise.all(unknown.map((name) => this.counting.get(name)));
    return new Map(names.map((name) => [name, this.entries.get(name)!.counts]));
  }

  private count(names: string[]): Promise<void> {
    const done = this.db
      .transaction(async (tx) => {
        // On one core: parallel workers would take every core of a small server from the requests for a few hundred ms.
        await tx.execute(sql`set local max_parallel_workers_per_gather = 0`);
        return statusCountsOfQueues(tx as unknown as Db, names, FINISHED_STATUSES);
      })
      .then((rows) => {
        const countedAt = Date.now();
        for (const name of names) this.entries.set(name, { counts: { completed: 0, failed: 0, cancelled: 0 }, countedAt });
        for (const row of rows) this.entries.get(row.queue)!.counts[row.status as FinishedStatus] = row.count;
      })
      .finally(() => {
        for (const name of names) this.counting.delete(name);
      });
    for (const name of names) this.counting.set(name, done);
    return done;
  }
}
