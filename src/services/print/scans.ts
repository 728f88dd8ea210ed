// Scans (the seed's ScanCtrl): started on a scope, run by a `print.scan` job that snapshots the
// scope's unprinted documents into slices, cancelled by an operator. Reads with counts are in reads.ts.
import { sql } from 'drizzle-orm';
import { query } from '../../db/client.ts';
import { inTransaction, type ServiceContext } from '../context.ts';
import { appendHistory, type NewHistoryEntry } from '../engine/history.ts';
import { enqueueJob, enqueueJobs } from '../engine/jobs/enqueue.ts';
import type { Actor, Json } from '../engine/types.ts';
import { NotFoundError } from '../errors.ts';
import { PrintTransitionError } from './errors.ts';
import { fromStatuses, jsonList, laneQueue, PRINT_QUEUE, scanFromRow, type Scan } from './model.ts';
import { getScanScope, selectionOf, unprintedDocuments } from './scopes.ts';

export const SCAN_KIND = 'print.scan';
export const SLICE_KIND = 'print.slice';

/** Starts a scan of the scope: Pending until its job snapshots the documents. */
export async function startScan(ctx: ServiceContext, scopeName: string, by: Actor): Promise<Scan> {
  const scope = await getScanScope(ctx.db, scopeName);
  const selection: Json = {
    documentType: scope.documentType,
    customer: scope.customer,
    createdFrom: scope.createdFrom?.toISOString() ?? null,
    createdTo: scope.createdTo?.toISOString() ?? null,
  };
  const scan = await inTransaction(ctx, async (tx, emit) => {
    const [row] = await query<Record<string, unknown>>(
      tx,
      sql`insert into print_scans (scope_id, scope_name, lane, selection, created_by)
          values (${scope.id}, ${scope.name}, ${scope.lane}, ${JSON.stringify(selection)}::jsonb, ${by.actor}) returning *`,
    );
    const scan = scanFromRow(row!);
    await appendHistory(tx, emit, [
      { actor: by.actor, operation: 'create', targetType: 'printScan', targetId: String(scan.id), after: { status: 'pending', scope: scope.name, lane: scope.lane }, reason: by.reason },
    ]);
    emit('printScan:updated', { scanIds: [scan.id] });
    return scan;
  });
  const { job } = await enqueueJob(ctx, { kind: SCAN_KIND, queue: PRINT_QUEUE, payload: { scanId: scan.id }, dedupeKey: `print-scan:${scan.id}` }, by);
  await ctx.db.execute(sql`update print_scans set job_id = ${job.id} where id = ${scan.id}`);
  return { ...scan, jobId: job.id };
}

/**
 * The scan job's work: snapshots the scope's unprinted documents into slices of printSliceSize
 * (Pending → Running, or Completed when nothing matches), then enqueues a job per slice in the
 * lane's queue. Run again (a retried job), it only enqueues the slices still without a job.
 */
export async function runScan(ctx: ServiceContext, scanId: number, by: Actor): Promise<Scan> {
  const sliceSize = ctx.settings.printSliceSize;
  const scan = await inTransaction(ctx, async (tx, emit) => {
    const [locked] = await query<Record<string, unknown>>(tx, sql`select * from print_scans where id = ${scanId} for update`);
    if (!locked) throw new NotFoundError('printScan', String(scanId));
    const before = scanFromRow(locked);
    if (before.status !== 'pending') return before;
    const [row] = await query<Record<string, unknown>>(
      tx,
      sql`with docs as (
            select id, (row_number() over (order by id) - 1) / ${sliceSize} as position
            from (${unprintedDocuments(selectionOf(before.selection))}) d
          ),
          slices as (
            insert into print_slices (scan_id, lane, position, document_ids, documents_total)
            select ${scanId}, ${before.lane}, position, array_agg(id order by id), count(*) from docs group by position
            returning id
          )
          update print_scans set
            status = case when (select count(*) from docs) = 0 then 'completed' else 'running' end,
            documents_total = (select count(*) from docs), slices_total = (select count(*) from slices),
            started_at = now(), finished_at = case when (select count(*) from docs) = 0 then now() end, updated_at = now()
          where id = ${scanId}
          returning *`,
    );
    const scan = scanFromRow(row!);
    const entries: NewHistoryEntry[] = [
      { actor: by.actor, operation: 'start', targetType: 'printScan', targetId: String(scanId), before: { status: 'pending' }, after: { status: 'running', documents: scan.documentsTotal, slices: scan.slicesTotal } },
    ];
    if (scan.status === 'completed') {
      entries.push({ actor: by.actor, operation: 'complete', targetType: 'printScan', targetId: String(scanId), before: { status: 'running' }, after: { status: 'completed' }, reason: 'no unprinted document matches the scope' });
    }
    await appendHistory(tx, emit, entries);
    emit('printScan:updated', { scanIds: [scanId] });
    return scan;
  });
  if (scan.status === 'running') await enqueueSliceJobs(ctx, scan, by);
  return scan;
}

async function enqueueSliceJobs(ctx: ServiceContext, scan: Scan, by: Actor) {
  const slices = await query<{ id: number | string }>(
    ctx.db,
    sql`select id from print_slices where scan_id = ${scan.id} and job_id is null and status = 'pending' order by position`,
  );
  for (let start = 0; start < slices.length; start += 5_000) {
    const part = slices.slice(start, start + 5_000).map((slice) => Number(slice.id));
    const results = await enqueueJobs(
      ctx,
      part.map((sliceId) => ({ kind: SLICE_KIND, queue: laneQueue(scan.lane), payload: { sliceId }, dedupeKey: `print-slice:${sliceId}` })),
      by,
    );
    const jobIds = results.map((result, index) => ({ slice: part[index], job: result.job.id }));
    await ctx.db.execute(
      sql`update print_slices s set job_id = x.job from jsonb_to_recordset(${JSON.stringify(jobIds)}::jsonb) as x(slice bigint, job bigint) where s.id = x.slice`,
    );
  }
}

/**
 * Cancels a Pending or Running scan: its unfinished slices and batches are cancelled and its
 * Queued rows become Cancelled (requeueExportRows brings them back). Rows being printed finish.
 */
export async function cancelScan(ctx: ServiceContext, scanId: number, by: Actor): Promise<Scan> {
  return inTransaction(ctx, async (tx, emit) => {
    const [locked] = await query<Record<string, unknown>>(tx, sql`select * from print_scans where id = ${scanId} for update`);
    if (!locked) throw new NotFoundError('printScan', String(scanId));
    const before = scanFromRow(locked);
    if (!fromStatuses('scan', 'cancel').includes(before.status)) throw new PrintTransitionError('printScan', String(scanId), before.status, 'cancel');
    const [counts] = await query<{ slices: number; batches: number; rows: number; lanes: string[] | null }>(
      tx,
      sql`with slices as (
            update print_slices set status = 'cancelled', finished_at = now(), updated_at = now()
            where scan_id = ${scanId} and status in (select jsonb_array_elements_text(${jsonList(fromStatuses('slice', 'cancel'))}::jsonb)) returning 1),
          batches as (
            update print_batches set status = 'cancelled', finished_at = now()
            where scan_id = ${scanId} and status = 'pending' returning 1),
          rows as (
            update print_export_rows set status = 'cancelled', error_message = ${`scan cancelled by ${by.actor}`}, updated_at = now()
            where scan_id = ${scanId} and status = 'queued' returning lane)
          select (select count(*)::int from slices) as slices, (select count(*)::int from batches) as batches,
                 (select count(*)::int from rows) as rows, (select array_agg(distinct lane) from rows) as lanes`,
    );
    const [row] = await query<Record<string, unknown>>(
      tx,
      sql`update print_scans set status = 'cancelled', finished_at = now(), updated_at = now() where id = ${scanId} returning *`,
    );
    await appendHistory(tx, emit, [
      {
        actor: by.actor,
        operation: 'cancel',
        targetType: 'printScan',
        targetId: String(scanId),
        before: { status: before.status },
        after: { status: 'cancelled', slicesCancelled: counts!.slices, batchesCancelled: counts!.batches, rowsCancelled: counts!.rows },
        reason: by.reason,
      },
    ]);
    emit('printScan:updated', { scanIds: [scanId] });
    if (counts!.lanes?.length) emit('printLane:updated', { lanes: counts!.lanes as never });
    return scanFromRow(row!);
  });
}
