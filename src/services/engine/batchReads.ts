// Reads for many targets in one statement each: what the API's per-request loaders batch a page
// of jobs into (their queues, first items, latest history), so a page costs a fixed number of queries.
import { sql } from 'drizzle-orm';
import { query, type Db } from '../../db/client.ts';
import { historyFromRow, jobFromRow, jobItemFromRow, queueFromRow } from './rows.ts';
import type { HistoryEntry, Job, JobItem, JobStatus, Queue } from './types.ts';

type Row = Record<string, unknown>;
const jsonValues = (values: readonly unknown[]) => sql`(select value from jsonb_array_elements_text(${JSON.stringify(values)}::jsonb))`;

export async function jobsByIds(db: Db, ids: readonly number[]): Promise<Job[]> {
  const rows = await query<Row>(db, sql`select * from jobs where id in (select value::bigint from ${jsonValues(ids)} as v(value))`);
  return rows.map(jobFromRow);
}

export async function queuesByNames(db: Db, names: readonly string[]): Promise<Queue[]> {
  return (await query<Row>(db, sql`select * from queues where name in ${jsonValues(names)}`)).map(queueFromRow);
}

/** For each job, its first `first` items after position `after`. */
export async function itemsOfJobs(db: Db, pages: readonly { jobId: number; after: number; first: number }[]): Promise<JobItem[]> {
  const rows = await query<Row>(
    db,
    sql`select i.* from jsonb_to_recordset(${JSON.stringify(pages.map((k) => ({ job_id: k.jobId, after: k.after, first: k.first })))}::jsonb)
          as k(job_id bigint, after int, first int)
        cross join lateral (
          select * from job_items where job_id = k.job_id and position > k.after order by position limit k.first
        ) i`,
  );
  return rows.map(jobItemFromRow);
}

/** For each job, its latest `first` history entries older than entry `before` (newest first). */
export async function historyOfJobs(db: Db, pages: readonly { jobId: number; before: number | null; first: number }[]): Promise<HistoryEntry[]> {
  const rows = await query<Row>(
    db,
    sql`select h.* from jsonb_to_recordset(${JSON.stringify(pages.map((k) => ({ job_id: String(k.jobId), before: k.before, first: k.first })))}::jsonb)
          as k(job_id text, before bigint, first int)
        cross join lateral (
          select * from history
          where target_type = 'job' and target_id = k.job_id and (k.before is null or id < k.before)
          order by id desc limit k.first
        ) h`,
  );
  return rows.map(historyFromRow);
}

export type LiveStatus = Extract<JobStatus, 'queued' | 'running' | 'paused'>;
export type FinishedStatus = Exclude<JobStatus, LiveStatus>;
export const LIVE_STATUSES: readonly LiveStatus[] = ['queued', 'running', 'paused'];
export const FINISHED_STATUSES: readonly FinishedStatus[] = ['completed', 'failed', 'cancelled'];

export interface QueueStatusCount {
  queue: string;
  status: JobStatus;
  count: number;
  /** For queued: seconds the oldest due job has waited; null otherwise. */
  oldestWaitingSeconds: number | null;
}

/** `(values ($1), ($2), ...) as name(column)`: a list whose length the planner knows (it takes a set-returning function for 100 rows). */
const valuesList = (values: readonly string[], name: string, column: string) =>
  sql`(values ${sql.join(values.map((value) => sql`(${value})`), sql`, `)}) as ${sql.identifier(name)}(${sql.identifier(column)})`;

/**
 * Per queue, the number of jobs in each of `statuses`; for queued, also the oldest due job's wait.
 * One index-only count per queue and status (jobs_queue_status_id): at a million finished jobs
 * less than half the time of one grouped count over all of them, which hashes every entry.
 */
export async function statusCountsOfQueues(db: Db, names: readonly string[], statuses: readonly JobStatus[]): Promise<QueueStatusCount[]> {
  if (names.length === 0 || statuses.length === 0) return [];
  const rows = await query<{ queue: string; status: JobStatus; count: number | string; oldest_waiting_seconds: number | string | null }>(
    db,
    sql`select q.queue, s.status, c.count,
          case when s.status = 'queued' then extract(epoch from now() - (
            select min(run_at) from jobs where queue = q.queue and status = 'queued' and run_at <= now())) end as oldest_waiting_seconds
        from ${valuesList(names, 'q', 'queue')} cross join ${valuesList(statuses, 's', 'status')}
        cross join lateral (select count(*) as count from jobs where queue = q.queue and status = s.status) c
        where c.count > 0`,
  );
  return rows.map((row) => ({
    queue: row.queue,
    status: row.status,
    count: Number(row.count),
    oldestWaitingSeconds: row.oldest_waiting_seconds === null ? null : Number(row.oldest_waiting_seconds),
  }));
}
