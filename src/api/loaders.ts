// Per-request batching: a page of jobs asks for its queues, items and history in one query each.
import DataLoader from 'dataloader';
import type { Db } from '../db/client.ts';
import { historyOfJobs, itemsOfJobs, jobsByIds, queuesByNames } from '../services/batchReads.ts';
import type { HistoryEntry, Job, JobItem, Queue, QueueStats } from '../services/types.ts';
import { statsOfQueues } from './queueStats.ts';

export interface Loaders {
  job: DataLoader<number, Job | null>;
  queue: DataLoader<string, Queue | null>;
  queueStats: DataLoader<string, QueueStats>;
  /** The first `n` items of each job (n fixed per loader key set). */
  itemsPage: DataLoader<{ jobId: number; after: number; first: number }, JobItem[], string>;
  historyPage: DataLoader<{ jobId: number; before: number | null; first: number }, HistoryEntry[], string>;
}

export function createLoaders(db: Db): Loaders {
  return {
    job: new DataLoader(async (ids) => {
      const byId = new Map((await jobsByIds(db, ids)).map((job) => [job.id, job]));
      return ids.map((id) => byId.get(id) ?? null);
    }),
    queue: new DataLoader(async (names) => {
      const byName = new Map((await queuesByNames(db, names)).map((queue) => [queue.name, queue]));
      return names.map((name) => byName.get(name) ?? null);
    }),
    queueStats: new DataLoader((names) => statsOfQueues(db, names)),
    itemsPage: new DataLoader(
      async (keys) => {
        const items = await itemsOfJobs(db, keys);
        return keys.map((k) => items.filter((item) => item.jobId === k.jobId && item.position > k.after).slice(0, k.first));
      },
      { cacheKeyFn: (k) => `${k.jobId}:${k.after}:${k.first}` },
    ),
    historyPage: new DataLoader(
      async (keys) => {
        const entries = await historyOfJobs(db, keys);
        return keys.map((k) =>
          entries.filter((e) => e.targetId === String(k.jobId) && (k.before === null || e.id < k.before)).slice(0, k.first),
        );
      },
      { cacheKeyFn: (k) => `${k.jobId}:${k.before}:${k.first}` },
    ),
  };
}
