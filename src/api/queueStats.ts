// Queue stats as the API serves them: live counts (queued, running, paused) exact at each request,
// finished counts from the process's cache (see finishedCounts.ts).
import type { Db } from '../db/client.ts';
import { LIVE_STATUSES, statusCountsOfQueues } from '../services/engine/batchReads.ts';
import { listQueues } from '../services/engine/queues.ts';
import type { QueueStats } from '../services/engine/types.ts';
import { FinishedCountsCache } from './finishedCounts.ts';

// Loaders live for one request; the finished counts outlive it, one cache per database handle
// (a process has one; each test file its own).
const finishedCountsCaches = new WeakMap<Db, FinishedCountsCache>();

function finishedCountsOf(db: Db): FinishedCountsCache {
  let cache = finishedCountsCaches.get(db);
  if (!cache) finishedCountsCaches.set(db, (cache = new FinishedCountsCache(db)));
  return cache;
}

export async function statsOfQueues(db: Db, names: readonly string[]): Promise<QueueStats[]> {
  const [live, finished] = await Promise.all([statusCountsOfQueues(db, names, LIVE_STATUSES), finishedCountsOf(db).get(names)]);
  const stats = new Map<string, QueueStats>(
    names.map((queue) => [queue, { queue, counts: { queued: 0, running: 0, paused: 0, ...finished.get(queue)! }, oldestWaitingSeconds: 0 }]),
  );
  for (const row of live) {
    const entry = stats.get(row.queue)!;
    entry.counts[row.status] = row.count;
    if (row.oldestWaitingSeconds !== null) entry.oldestWaitingSeconds = Math.max(0, row.oldestWaitingSeconds);
  }
  return names.map((name) => stats.get(name)!);
}

/**
 * Counts every queue's finished jobs into the cache: an API process does it as it starts, so that
 * the first dashboard does not wait for the slowest read of the overview (120 ms at a million jobs).
 */
export async function warmQueueStats(db: Db): Promise<void> {
  const queues = await listQueues(db);
  await finishedCountsOf(db).get(queues.map((queue) => queue.name));
}
