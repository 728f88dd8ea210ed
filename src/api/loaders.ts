// Per-request batching: a page of jobs asks for its queues, items and history in one query each.
import DataLoader from 'dataloader';
import { sql } from 'drizzle-orm';
import { query, type Db } from '../db/client.ts';
import { historyFromRow, jobFromRow, jobItemFromRow, queueFromRow } from '../services/rows.ts';
import { queueStats } from '../services/queues.ts';
import type { HistoryEntry, Job, JobItem, Queue, QueueStats } from '../services/types.ts';

type Row = Record<string, unknown>;

export interface Loaders {
  job: DataLoader<number, Job | null>;
  queue: DataLoader<string, Queue | null>;
  queueStats: DataLoader<string, QueueStats>;
  /** The first `n` items of each job (n fixed per loader key set). */
  itemsPage: DataLoader<{ jobId: number; after: number; first: number }, JobItem[], string>;
  historyPage: DataLoader<{ jobId: number; before: number | null; first: number }, HistoryEntry[], string>;
}

const jsonList = (values: unknown[]) => sql`(select jsonb_array_elements_text(${JSON.stringify(values)}::jsonb))`;

export function createLoaders(db: Db): Loaders {
  return {
    job: new DataLoader(async (ids) => {
      const rows = await query<Row>(db, sql`select * from jobs where id in (select value::bigint from jsonb_array_elements_text(${JSON.stringify(ids)}::jsonb))`);
      const byId = new Map(rows.map(jobFromRow).map((job) => [job.id, job]));
      return ids.map((id) => byId.get(id) ?? null);
    }),
    queue: new DataLoader(async (names) => {
      const rows = await query<Row>(db, sql`select * from queues where name in ${jsonList([...names])}`);
      const byName = new Map(rows.map(queueFromRow).map((queue) => [queue.name, queue]));
      return names.map((name) => byName.get(name) ?? null);
    }),
    queueStats: new DataLoader(async (names) => {
      const stats = new Map((await queueStats(db, [...names])).map((s) => [s.queue, s]));
      return names.map((name) => stats.get(name)!);
    }),
    itemsPage: new DataLoader(
      async (keys) => {
        // One statement for every job on the page: the first `first` items after `after` of each.
        const rows = await query<Row>(
          db,
          sql`select i.* from jsonb_to_recordset(${JSON.stringify(keys.map((k) => ({ job_id: k.jobId, after: k.after, first: k.first })))}::jsonb)
                as k(job_id bigint, after int, first int)
              cross join lateral (
                select * from job_items where job_id = k.job_id and position > k.after order by position limit k.first
              ) i`,
        );
        const items = rows.map(jobItemFromRow);
        return keys.map((k) => items.filter((item) => item.jobId === k.jobId && item.position > k.after).slice(0, k.first));
      },
      { cacheKeyFn: (k) => `${k.jobId}:${k.after}:${k.first}` },
    ),
    historyPage: new DataLoader(
      async (keys) => {
        const rows = await query<Row>(
          db,
          sql`select h.* from jsonb_to_recordset(${JSON.stringify(keys.map((k) => ({ job_id: String(k.jobId), before: k.before, first: k.first })))}::jsonb)
                as k(job_id text, before bigint, first int)
              cross join lateral (
                select * from history
                where target_type = 'job' and target_id = k.job_id and (k.before is null or id < k.before)
                order by id desc limit k.first
              ) h`,
        );
        const entries = rows.map(historyFromRow);
        return keys.map((k) =>
          entries.filter((e) => e.targetId === String(k.jobId) && (k.before === null || e.id < k.before)).slice(0, k.first),
        );
      },
      { cacheKeyFn: (k) => `${k.jobId}:${k.before}:${k.first}` },
    ),
  };
}
