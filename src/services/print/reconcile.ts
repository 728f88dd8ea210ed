// Reconciliation up the tree (the seed's reconcile()): a batch completes when none of its rows is
// still Queued or Processing, a slice when all its batches are done, a scan when all its slices
// are. Set-based, in the caller's transaction, one history entry per transition.
import { sql } from 'drizzle-orm';
import { query, type Db } from '../../db/client.ts';
import type { Emit } from '../context.ts';
import { appendHistory, type NewHistoryEntry } from '../engine/history.ts';
import type { Actor } from '../engine/types.ts';
import { bigintArray } from './model.ts';

/** Completes what is done among `batchIds` and their parents; returns the scans touched. */
export async function reconcile(tx: Db, emit: Emit, batchIds: number[], by: Actor): Promise<number[]> {
  if (batchIds.length === 0) return [];
  const batches = await query<{ id: number; slice_id: number; scan_id: number }>(
    tx,
    sql`update print_batches b set status = 'completed', finished_at = now()
        where b.id = any(${bigintArray(batchIds)}) and b.status = 'pending'
          and not exists (select 1 from print_export_rows r where r.batch_id = b.id and r.status in ('queued', 'processing'))
        returning b.id, b.slice_id, b.scan_id`,
  );
  const sliceIds = [...new Set(batches.map((b) => Number(b.slice_id)))];
  const slices = sliceIds.length
    ? await query<{ id: number; scan_id: number }>(
        tx,
        sql`update print_slices s set status = 'completed', finished_at = now(), updated_at = now()
            where s.id = any(${bigintArray(sliceIds)}) and s.status = 'enqueued'
              and not exists (select 1 from print_batches b where b.slice_id = s.id and b.status = 'pending')
            returning s.id, s.scan_id`,
      )
    : [];
  const scanIds = [...new Set([...batches.map((b) => Number(b.scan_id)), ...slices.map((s) => Number(s.scan_id))])];
  const scans = await completeScans(tx, [...new Set(slices.map((s) => Number(s.scan_id)))]);
  const entry = (targetType: string, id: number | string, from: string): NewHistoryEntry => ({
    actor: by.actor,
    operation: 'complete',
    targetType,
    targetId: String(id),
    before: { status: from },
    after: { status: 'completed' },
    reason: by.reason,
  });
  await appendHistory(tx, emit, [
    ...batches.map((b) => entry('printBatch', b.id, 'pending')),
    ...slices.map((s) => entry('printSlice', s.id, 'enqueued')),
    ...scans.map((id) => entry('printScan', id, 'running')),
  ]);
  return scanIds;
}

/** Completes the Running scans among `scanIds` whose slices are all done. */
export async function completeScans(tx: Db, scanIds: number[]): Promise<number[]> {
  if (scanIds.length === 0) return [];
  const rows = await query<{ id: number }>(
    tx,
    sql`update print_scans c set status = 'completed', finished_at = now(), updated_at = now()
        where c.id = any(${bigintArray(scanIds)}) and c.status = 'running'
          and not exists (select 1 from print_slices s where s.scan_id = c.id and s.status not in ('completed', 'cancelled'))
        returning c.id`,
  );
  return rows.map((row) => Number(row.id));
}
