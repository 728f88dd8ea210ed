// Slices (the seed's SliceCtrl): processing a slice creates its batches (Pending) and one Queued
// lane row per document still unprinted, in one transaction, then asks for a print cycle. A slice
// of a paused lane is deferred (allowSliceStart).
import { sql } from 'drizzle-orm';
import { query } from '../../db/client.ts';
import { inTransaction, type ServiceContext } from '../context.ts';
import { appendHistory } from '../engine/history.ts';
import type { Actor } from '../engine/types.ts';
import { NotFoundError } from '../errors.ts';
import { allowSliceStart } from './lanes.ts';
import { sliceFromRow, type Slice } from './model.ts';
import { completeScans } from './reconcile.ts';
import { requestPrintCycle } from './requestPrintCycle.ts';

export type SliceOutcome = { slice: Slice; deferred: false; rows: number } | { slice: Slice; deferred: true };

export async function processSlice(ctx: ServiceContext, sliceId: number, by: Actor): Promise<SliceOutcome> {
  const batchSize = ctx.settings.printBatchSize;
  const outcome = await inTransaction(ctx, async (tx, emit): Promise<SliceOutcome> => {
    const [locked] = await query<Record<string, unknown>>(tx, sql`select * from print_slices where id = ${sliceId} for update`);
    if (!locked) throw new NotFoundError('printSlice', String(sliceId));
    const slice = sliceFromRow(locked);
    // Cancelled, or done by an earlier run of the job: nothing to do.
    if (slice.status !== 'pending') return { slice, deferred: false, rows: 0 };
    if (!(await allowSliceStart(tx, slice.lane))) return { slice, deferred: true };
    const [row] = await query<Record<string, unknown> & { rows_created: number }>(
      tx,
      sql`with docs as (
            select d.id, d.key, (row_number() over (order by d.id) - 1) / ${batchSize} as position
            from print_slices s cross join unnest(s.document_ids) as doc(id) join print_documents d on d.id = doc.id
            where s.id = ${sliceId}
              and not exists (select 1 from print_dedupe p where p.document_key = d.key)
              and not exists (select 1 from print_export_rows r where r.document_key = d.key and r.status in ('queued', 'processing'))
          ),
          groups as (
            select position, count(*) as n, nextval(pg_get_serial_sequence('print_batches', 'id')) as batch_id
            from docs group by position
          ),
          batches as (
            insert into print_batches (id, slice_id, scan_id, lane, rows_total) overriding system value
            select batch_id, ${sliceId}, ${slice.scanId}, ${slice.lane}, n from groups
            returning id
          ),
          lane_rows as (
            insert into print_export_rows (lane, document_id, document_key, scan_id, slice_id, batch_id)
            select ${slice.lane}, docs.id, docs.key, ${slice.scanId}, ${sliceId}, groups.batch_id
            from docs join groups using (position)
            order by docs.id
            returning 1
          )
          update print_slices set
            status = case when (select count(*) from lane_rows) = 0 then 'completed' else 'enqueued' end,
            batches_total = (select count(*) from batches), started_at = now(),
            finished_at = case when (select count(*) from lane_rows) = 0 then now() end, updated_at = now()
          where id = ${sliceId}
          returning *, (select count(*)::int from lane_rows) as rows_created`,
    );
    const processed = sliceFromRow(row!);
    const rows = Number(row!.rows_created);
    const completedScans = processed.status === 'completed' ? await completeScans(tx, [slice.scanId]) : [];
    await appendHistory(tx, emit, [
      {
        actor: by.actor,
        operation: 'enqueue',
        targetType: 'printSlice',
        targetId: String(sliceId),
        before: { status: 'pending' },
        after: { status: processed.status, batches: processed.batchesTotal, rows, skippedAsPrinted: slice.documentsTotal - rows },
        reason: by.reason,
      },
      ...completedScans.map((id) => ({ actor: by.actor, operation: 'complete', targetType: 'printScan', targetId: String(id), before: { status: 'running' }, after: { status: 'completed' } })),
    ]);
    emit('printScan:updated', { scanIds: [slice.scanId] });
    if (rows > 0) emit('printLane:updated', { lanes: [slice.lane] });
    return { slice: processed, deferred: false, rows };
  });
  // Enqueuing rows asks for a print cycle by itself (or marks one pending while a cycle runs).
  if (!outcome.deferred && outcome.rows > 0) await requestPrintCycle(ctx, { actor: by.actor, reason: `slice ${sliceId} enqueued` });
  return outcome;
}
