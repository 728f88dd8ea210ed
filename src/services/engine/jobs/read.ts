// Reading jobs: by id, by run id, and filtered pages with keyset cursors.
import { type SQL, sql } from 'drizzle-orm';
import { query, type Db } from '../../../db/client.ts';
import { NotFoundError } from '../../errors.ts';
import { cappedCount, COUNT_CAP, type CappedCount } from '../cappedCount.ts';
import { jobFromRow, jobItemFromRow } from '../rows.ts';
import type { Job, JobItem, JobStatus } from '../types.ts';

type Row = Record<string, unknown>;

export async function getJob(db: Db, id: number): Promise<Job> {
  const [row] = await query<Row>(db, sql`select * from jobs where id = ${id}`);
  if (!row) throw new NotFoundError('job', String(id));
  return jobFromRow(row);
}

export async function getJobByRunId(db: Db, runId: string): Promise<Job> {
  const [row] = await query<Row>(db, sql`select * from jobs where run_id = ${runId}`);
  if (!row) throw new NotFoundError('job', runId);
  return jobFromRow(row);
}

export interface JobFilter {
  status?: JobStatus[];
  kind?: string;
  queue?: string;
  stage?: string;
  createdAfter?: Date;
  createdBefore?: Date;
  runId?: string;
  /** Run ids starting with this (jobs_run_id_unique). */
  runIdPrefix?: string;
  /** Case-insensitive text anywhere in the payload's JSON. */
  payloadText?: string;
  /** Finished before this time (clearJobs' olderThan). */
  finishedBefore?: Date;
}

/** `like` treats % _ and \\ as wildcards and escape: a prefix or text from a user matches literally. */
const likeLiteral = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

// No index: a page stops at its first matches (newest first), a count tests at most COUNT_CAP jobs.
const payloadTextCondition = (text: string) => sql`payload::text ilike ${'%' + likeLiteral(text) + '%'}`;

/** The filter as SQL conditions on `jobs` (shared by pages of jobs, counts and bulk operations). */
export function jobFilterConditions(filter: JobFilter): SQL[] {
  const conditions: SQL[] = [sql`true`];
  // A list of constants, not a subquery: the planner then knows how few rows a status has and
  // walks (queue, status, id) or (status, id) in id order instead of filtering the whole table.
  if (filter.status?.length) conditions.push(sql`status in ${filter.status}`);
  if (filter.kind) conditions.push(sql`kind = ${filter.kind}`);
  if (filter.queue) conditions.push(sql`queue = ${filter.queue}`);
  if (filter.stage) conditions.push(sql`progress->>'stage' = ${filter.stage}`);
  if (filter.createdAfter) conditions.push(sql`created_at >= ${filter.createdAfter.toISOString()}`);
  if (filter.createdBefore) conditions.push(sql`created_at < ${filter.createdBefore.toISOString()}`);
  if (filter.runId) conditions.push(sql`run_id = ${filter.runId}`);
  if (filter.runIdPrefix) conditions.push(sql`run_id like ${likeLiteral(filter.runIdPrefix) + '%'}`);
  if (filter.payloadText) conditions.push(payloadTextCondition(filter.payloadText));
  if (filter.finishedBefore) conditions.push(sql`finished_at < ${filter.finishedBefore.toISOString()}`);
  return conditions;
}

/** How many jobs match, exact up to COUNT_CAP (with a payload text, when at most COUNT_CAP jobs match the rest of the filter). */
export const countJobs = (db: Db, filter: JobFilter, cap = COUNT_CAP): Promise<CappedCount> =>
  filter.payloadText
    ? cappedCount(db, 'jobs', jobFilterConditions({ ...filter, payloadText: undefined }), payloadTextCondition(filter.payloadText), cap)
    : cappedCount(db, 'jobs', jobFilterConditions(filter), undefined, cap);

/** Newest first; `before` is the id of the last job of the previous page. */
export async function listJobs(db: Db, filter: JobFilter, page: { first: number; before?: number | null }): Promise<{ jobs: Job[]; nextCursor: number | null }> {
  const conditions = jobFilterConditions(filter);
  if (page.before) conditions.push(sql`id < ${page.before}`);
  const rows = await query<Row>(db, sql`select * from jobs where ${sql.join(conditions, sql` and `)} order by id desc limit ${page.first + 1}`);
  const jobs = rows.slice(0, page.first).map(jobFromRow);
  return { jobs, nextCursor: rows.length > page.first ? (jobs.at(-1)?.id ?? null) : null };
}

export async function listJobItems(db: Db, jobId: number, page: { first: number; after?: number | null }): Promise<JobItem[]> {
  const rows = await query<Row>(
    db,
    sql`select * from job_items where job_id = ${jobId} and position > ${page.after ?? -1} order by position limit ${page.first}`,
  );
  return rows.map(jobItemFromRow);
}
