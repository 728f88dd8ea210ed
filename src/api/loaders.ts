// Per-request batching: a page of jobs asks for its queues, items and history in one query each.
// Each loader is made on first use: a subscription's context lives as long as the subscription,
// and thousands of idle ones need not hold five DataLoaders and their caches each.
import DataLoader from 'dataloader';
import type { Db } from '../db/client.ts';
import { historyOfJobs, itemsOfJobs, jobsByIds, queuesByNames } from '../services/engine/batchReads.ts';
import type { HistoryEntry, Job, JobItem, Queue, QueueStats } from '../services/engine/types.ts';
import { statsOfQueues } from './queueStats.ts';

export interface Loaders {
  job: DataLoader<number, Job | null>;
  queue: DataLoader<string, Queue | null>;
  queueStats: DataLoader<string, QueueStats>;
  /** The first `n` items of each job (n fixed per loader key set). */
  itemsPage: DataLoader<{ jobId: number; after: number; first: number }, JobItem[], string>;
  historyPage: DataLoader<{ jobId: number; before: number | null; first: number }, HistoryEntry[], string>;
}

/** An object whose properties are made by their factory when first read, then kept. */
function madeOnFirstUse<T extends object>(factories: { [K in keyof T]: () => T[K] }): T {
  const made: Partial<T> = {};
  const lazy = {} as T;
  for (const key of Object.keys(factories) as (keyof T)[]) {
    Object.defineProperty(lazy, key, { enumerable: true, get: () => (made[key] ??= factories[key]()) });
  }
  return lazy;
}

/** Jobs by id, batched; a missing job loads as null. */
export function jobLoader(db: Db, options?: DataLoader.Options<number, Job | null>): DataLoader<number, Job | null> {
  return new DataLoader(async (ids) => {
    const byId = new Map((await jobsByIds(db, ids)).map((job) => [job.id, job]));
    return ids.map((id) => byId.get(id) ?? null);
  }, options);
}

export function createLoaders(db: Db): Loaders {
  return madeOnFirstUse<Loaders>({
    job: () => jobLoader(db),
    queue: () =>
      new DataLoader(async (names) => {
        const byName = new Map((await queuesByNames(db, names)).map((queue) => [queue.name, queue]));
        return names.map((name) => byName.get(name) ?? null);
      }),
    queueStats: () => new DataLoader((names) => statsOfQueues(db, names)),
    itemsPage: () =>
      new DataLoader(
        async (keys) => {
          const items = await itemsOfJobs(db, keys);
          return keys.map((k) => items.filter((item) => item.jobId === k.jobId && item.position > k.after).slice(0, k.first));
        },
        { cacheKeyFn: (k) => `${k.jobId}:${k.after}:${k.first}` },
      ),
    historyPage: () =>
      new DataLoader(
        async (keys) => {
          const entries = await historyOfJobs(db, keys);
          return keys.map((k) =>
            entries.filter((e) => e.targetId === String(k.jobId) && (k.before === null || e.id < k.before)).slice(0, k.first),
          );
        },
        { cacheKeyFn: (k) => `${k.jobId}:${k.before}:${k.first}` },
      ),
  });
}
