// The seed's CleanOldRecords for the print pipeline: deletes whole finished scan trees (the scan,
// its slices, batches and lane rows) that finished more than retentionPrintScansDays ago. Never a
// single row: a tree goes in one transaction or not at all, and a scan that still has Queued or
// Processing rows (a cancelled scan whose cycle still holds some) is never purged. Trees go in
// chunks of at most CHUNK_ROWS lane rows (a larger scan alone), at most MAX_CHUNKS per call; the
// next call (the maintenance schedule runs every 30 s) goes on. Each chunk records its counts in
// a history entry of its own transaction: a chunk that fails later loses no record of those before.
//
// Dedupe markers stay: once the rows are gone they are the only record that a document was
// printed, and a document without a marker is printable again (the production lane's recurring
// scan would print it within a minute). They are one per printed document, as the documents are,
// which are not purged either. They go only by forgetPrintedDocuments or clearAllExportTables.
import { type SQL, sql } from 'drizzle-orm';
import { query } from '../../db/client.ts';
import { inTransaction, type ServiceContext } from '../context.ts';
import { appendHistory } from '../engine/history.ts';
import type { Actor } from '../engine/types.ts';
import { LANES } from './model.ts';

// A type, not an interface: it goes into history entries and job results as JSON as it is.
export type PrintPurgeCounts = {
  scans: number;
  slices: number;
  batches: number;
  rows: number;
};

const CHUNK_ROWS = 10_000;
const MAX_CHUNKS = 10;

/** Finished scans past the retention with no row left to print, oldest first. */
function purgeable(days: number): SQL {
  return sql`from print_scans s
    where s.status in ('completed', 'failed', 'cancelled') and s.finished_at < now() - ${days} * interval '1 day'
      and not exists (select 1 from print_export_rows r where r.scan_id = s.id and r.status in ('queued', 'processing'))`;
}

const none = (): PrintPurgeCounts => ({ scans: 0, slices: 0, batches: 0, rows: 0 });
const add = (a: PrintPurgeCounts, b: PrintPurgeCounts): PrintPurgeCounts => ({ scans: a.scans + b.scans, slices: a.slices + b.slices, batches: a.batches + b.batches, rows: a.rows + b.rows });

/** What a purge would delete now (all of it, not one call's share). */
export async function countPurgeableScans(ctx: ServiceContext): Promise<PrintPurgeCounts> {
  const [row] = await query<PrintPurgeCounts>(
    ctx.db,
    sql`with ids as (select s.id ${purgeable(ctx.settings.retentionPrintScansDays)})
        select (select count(*)::int from ids) as scans,
               (select count(*)::int from print_slices where scan_id in (select id from ids)) as slices,
               (select count(*)::int from print_batches where scan_id in (select id from ids)) as batches,
               (select count(*)::int from print_export_rows where scan_id in (select id from ids)) as rows`,
  );
  return row ?? none();
}

async function purgeChunk(ctx: ServiceContext, by: Actor): Promise<PrintPurgeCounts> {
  return inTransaction(ctx, async (tx, emit) => {
    // Locked, and skipped when already locked (by another purge, a reopening requeue). A requeue that
    // takes the scan's rows first and then waits for the scan can deadlock with this; PostgreSQL
    // aborts one of the two, and nothing half-done is left (the next maintenance run goes on).
    const scans = await query<{ id: number; rows_through: number }>(
      tx,
      sql`with locked as (
            select s.id, s.finished_at, s.documents_total ${purgeable(ctx.settings.retentionPrintScansDays)}
            order by s.finished_at, s.id limit 100 for update of s skip locked
          )
          select id, (sum(documents_total) over (order by finished_at, id))::int as rows_through from locked order by finished_at, id`,
    );
    const ids = scans.filter((scan, i) => i === 0 || scan.rows_through <= CHUNK_ROWS).map((scan) => Number(scan.id));
    if (ids.length === 0) return none();
    const list = sql`(select jsonb_array_elements_text(${JSON.stringify(ids)}::jsonb)::bigint)`;
    const [counts] = await query<PrintPurgeCounts>(
      tx,
      sql`with rows as (delete from print_export_rows where scan_id in ${list} returning 1),
               batches as (delete from print_batches where scan_id in ${list} returning 1),
               slices as (delete from print_slices where scan_id in ${list} returning 1),
               scans as (delete from print_scans where id in ${list} returning 1)
          select (select count(*)::int from scans) as scans, (select count(*)::int from slices) as slices,
                 (select count(*)::int from batches) as batches, (select count(*)::int from rows) as rows`,
    );
    await appendHistory(tx, emit, [
      { actor: by.actor, operation: 'purge', targetType: 'printPipeline', targetId: 'retention', after: { deleted: counts!, retentionPrintScansDays: ctx.settings.retentionPrintScansDays }, reason: by.reason ?? 'retention' },
    ]);
    if (counts!.rows > 0) emit('printLane:updated', { lanes: [...LANES] });
    return counts!;
  });
}

/** Purges finished scan trees past retentionPrintScansDays, in chunks (each with its history entry); returns the counts. */
export async function purgeFinishedScans(ctx: ServiceContext, by: Actor): Promise<PrintPurgeCounts> {
  let total = none();
  for (let chunk = 0; chunk < MAX_CHUNKS; chunk++) {
    const counts = await purgeChunk(ctx, by);
    if (counts.scans === 0) break;
    total = add(total, counts);
  }
  return total;
}
