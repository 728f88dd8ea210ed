// Reading production jobs: one by job id with its operations, update history and impositions,
// pages of them with filters, impositions and runlists.
import { type SQL, sql } from 'drizzle-orm';
import { query, type Db } from '../../db/client.ts';
import { dateOrNull } from '../engine/rows.ts';
import type { OperationState, OperationStatus, ProductionJob, StatusUpdate, TrackingSource } from './types.ts';
import { anyText } from './sqlLists.ts';

type Row = Record<string, unknown>;

const jobFromRow = (r: Row): ProductionJob => ({
  jobId: r.job_id as string,
  versionTag: (r.version_tag as string | null) ?? null,
  name: (r.name as string | null) ?? null,
  dueDate: dateOrNull(r.due_date),
  createdAt: new Date(r.created_at as string),
  updatedAt: new Date(r.updated_at as string),
});

const operationFromRow = (r: Row): OperationState => ({
  operationId: r.operation_id as string,
  name: (r.name as string | null) ?? (r.operation_id as string),
  sequenceOrder: Number(r.sequence_order),
  required: Boolean(r.required),
  status: (r.status as OperationStatus | null) ?? null,
  done: r.status === 'completed',
  completedAt: dateOrNull(r.completed_at),
  completedBy: (r.completed_by as TrackingSource | null) ?? null,
  sourceId: r.source_id === null || r.source_id === undefined ? null : Number(r.source_id),
  notes: (r.notes as string | null) ?? null,
  updatedAt: new Date(r.updated_at as string),
});

const updateFromRow = (r: Row): StatusUpdate => ({
  id: Number(r.id),
  sourceType: r.source_type as TrackingSource,
  sourceId: Number(r.source_id),
  jobId: r.job_id as string,
  operationId: r.operation_id as string,
  status: r.status as OperationStatus,
  notes: (r.notes as string | null) ?? null,
  eventAt: new Date(r.event_at as string),
  applied: Boolean(r.applied),
  createdAt: new Date(r.created_at as string),
});


export async function getProductionJobs(db: Db, jobIds: string[]): Promise<ProductionJob[]> {
  if (jobIds.length === 0) return [];
  return (await query<Row>(db, sql`select * from production_jobs where job_id = ${anyText(jobIds)}`)).map(jobFromRow);
}

/** The operations of each production job (or imposition), in catalogue order. */
export async function operationsOf(db: Db, level: 'job' | 'imposition', keys: string[]): Promise<Map<string, OperationState[]>> {
  const [table, key] = level === 'job' ? [sql`production_job_operations`, sql`job_id`] : [sql`imposition_operations`, sql`imposition_id`];
  const rows = keys.length
    ? await query<Row>(
        db,
        sql`select o.*, o.${key} as key, c.name from ${table} o left join tracking_operations c on c.operation_id = o.operation_id
            where o.${key} = ${anyText(keys)} order by o.sequence_order, o.operation_id`,
      )
    : [];
  const byKey = new Map<string, OperationState[]>(keys.map((k) => [k, []]));
  for (const row of rows) byKey.get(row.key as string)?.push(operationFromRow(row));
  return byKey;
}

/** A production job's status updates, newest first, keyset on id. */
export async function statusUpdatesOf(db: Db, jobId: string, page: { first: number; after: number | null }): Promise<StatusUpdate[]> {
  const rows = await query<Row>(
    db,
    sql`select * from production_status_updates where job_id = ${jobId} ${page.after ? sql`and id < ${page.after}` : sql``}
        order by id desc limit ${page.first + 1}`,
  );
  return rows.map(updateFromRow);
}

export interface ImpositionView {
  impositionId: string;
  fileIds: string[];
  runlistIds: string[];
}

/** Impositions by id, or those of a production job or a runlist. */
export async function listImpositions(db: Db, filter: { impositionIds?: string[]; jobId?: string; runlistId?: string }, limit = 500): Promise<ImpositionView[]> {
  const conditions: SQL[] = [sql`true`];
  if (filter.impositionIds) conditions.push(sql`i.imposition_id = ${anyText(filter.impositionIds)}`);
  if (filter.jobId) conditions.push(sql`i.imposition_id in (select imposition_id from imposition_files where job_id = ${filter.jobId})`);
  if (filter.runlistId) conditions.push(sql`i.imposition_id in (select imposition_id from runlist_impositions where runlist_id = ${filter.runlistId})`);
  const rows = await query<{ imposition_id: string; file_ids: string[] | null; runlist_ids: string[] | null }>(
    db,
    sql`select i.imposition_id,
               (select array_agg(file_id order by file_id) from imposition_files f where f.imposition_id = i.imposition_id) as file_ids,
               (select array_agg(runlist_id order by runlist_id) from runlist_impositions r where r.imposition_id = i.imposition_id) as runlist_ids
        from impositions i where ${sql.join(conditions, sql` and `)} order by i.imposition_id limit ${limit}`,
  );
  return rows.map((r) => ({ impositionId: r.imposition_id, fileIds: r.file_ids ?? [], runlistIds: r.runlist_ids ?? [] }));
}

export interface RunlistView {
  runlistId: string;
  impositionIds: string[];
}

export async function listRunlists(db: Db, filter: { runlistId?: string | null }, limit = 200): Promise<RunlistView[]> {
  const rows = await query<{ runlist_id: string; imposition_ids: string[] }>(
    db,
    sql`select runlist_id, array_agg(imposition_id order by imposition_id) as imposition_ids from runlist_impositions
        ${filter.runlistId ? sql`where runlist_id = ${filter.runlistId}` : sql``}
        group by runlist_id order by runlist_id limit ${limit}`,
  );
  return rows.map((r) => ({ runlistId: r.runlist_id, impositionIds: r.imposition_ids }));
}

export interface ProductionJobFilter {
  /** Production jobs with this operation (name or id) not done. */
  operationNotDone?: string | null;
  /** Production jobs whose print is partial. */
  partialPrint?: boolean | null;
  /** Production jobs with an operation changed since. */
  updatedSince?: Date | null;
  runlistId?: string | null;
}

/** Pages of production jobs by job id; `after` is the offset of the page. */
export async function listProductionJobs(db: Db, filter: ProductionJobFilter, page: { first: number; after: number | null }): Promise<ProductionJob[]> {
  const conditions: SQL[] = [sql`true`];
  if (filter.operationNotDone) {
    conditions.push(sql`not exists (
      select 1 from production_job_operations o left join tracking_operations c on c.operation_id = o.operation_id
      where o.job_id = j.job_id and (o.operation_id = ${filter.operationNotDone} or c.name = ${filter.operationNotDone}) and o.status = 'completed')`);
  }
  if (filter.partialPrint) conditions.push(sql`exists (select 1 from production_job_operations o where o.job_id = j.job_id and o.operation_id = 'print' and o.status = 'partial')`);
  if (filter.updatedSince) {
    conditions.push(sql`exists (select 1 from production_job_operations o where o.job_id = j.job_id and o.updated_at >= ${filter.updatedSince.toISOString()}::timestamptz)`);
  }
  if (filter.runlistId) {
    conditions.push(sql`j.job_id in (select f.job_id from imposition_files f join runlist_impositions r on r.imposition_id = f.imposition_id where r.runlist_id = ${filter.runlistId})`);
  }
  const rows = await query<Row>(
    db,
    sql`select j.* from production_jobs j where ${sql.join(conditions, sql` and `)}
        order by j.job_id offset ${page.after ?? 0} limit ${page.first + 1}`,
  );
  return rows.map(jobFromRow);
}
