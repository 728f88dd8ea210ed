// Puts FailedExport rows chosen by a filter back to Queued (attempts from zero), reopening the
// batches, slices and scans they complete, then asks for a print cycle. Counts are returned.
import { type SQL, sql } from 'drizzle-orm';
import { z } from 'zod';
import { query } from '../../db/client.ts';
import { inTransaction, type ServiceContext } from '../context.ts';
import { appendHistory } from '../engine/history.ts';
import type { Actor } from '../engine/types.ts';
import { parseInput } from '../validate.ts';
import { bigintArray, LANES } from './model.ts';
import { requestPrintCycle } from './requestPrintCycle.ts';

const requeueFilter = z
  .object({
    lane: z.enum(LANES, { error: 'unknown lane: use production or historical' }).nullish(),
    scanId: z.number().int().positive().nullish(),
    documentKey: z.string().min(1).max(200).nullish(),
    errorContains: z.string().min(1).max(200).nullish(),
  })
  .strict();
export type RequeueFilter = z.input<typeof requeueFilter>;

export interface RequeueReport {
  requeued: number;
  batchesReopened: number;
  slicesReopened: number;
  scansReopened: number;
}

export async function requeueExportRows(ctx: ServiceContext, input: RequeueFilter, by: Actor): Promise<RequeueReport> {
  const filter = parseInput(requeueFilter, input);
  const where: SQL[] = [sql`status = 'failed_export'`];
  if (filter.lane) where.push(sql`lane = ${filter.lane}`);
  if (filter.scanId) where.push(sql`scan_id = ${filter.scanId}`);
  if (filter.documentKey) where.push(sql`document_key = ${filter.documentKey}`);
  if (filter.errorContains) where.push(sql`strpos(lower(error_message), lower(${filter.errorContains})) > 0`);
  const report = await inTransaction(ctx, async (tx, emit) => {
    const rows = await query<{ batch_id: number; lane: string }>(
      tx,
      sql`update print_export_rows set status = 'queued', attempts = 0, retry_at = null, updated_at = now()
          where ${sql.join(where, sql` and `)} returning batch_id, lane`,
    );
    const batchIds = [...new Set(rows.map((r) => Number(r.batch_id)))];
    const batches = batchIds.length
      ? await query<{ slice_id: number }>(tx, sql`update print_batches set status = 'pending', finished_at = null where id = any(${bigintArray(batchIds)}) and status = 'completed' returning slice_id`)
      : [];
    const sliceIds = [...new Set(batches.map((b) => Number(b.slice_id)))];
    const slices = sliceIds.length
      ? await query<{ scan_id: number }>(tx, sql`update print_slices set status = 'enqueued', finished_at = null, updated_at = now() where id = any(${bigintArray(sliceIds)}) and status = 'completed' returning scan_id`)
      : [];
    const scanIds = [...new Set(slices.map((s) => Number(s.scan_id)))];
    const scans = scanIds.length
      ? await query<{ id: number }>(tx, sql`update print_scans set status = 'running', finished_at = null, updated_at = now() where id = any(${bigintArray(scanIds)}) and status = 'completed' returning id`)
      : [];
    const report = { requeued: rows.length, batchesReopened: batches.length, slicesReopened: slices.length, scansReopened: scans.length };
    await appendHistory(tx, emit, [
      { actor: by.actor, operation: 'requeueExportRows', targetType: 'printRows', targetId: filter.scanId ? `scan:${filter.scanId}` : (filter.lane ?? 'all'), after: { ...report, filter }, reason: by.reason },
      ...scans.map((scan) => ({ actor: by.actor, operation: 'reopen', targetType: 'printScan', targetId: String(scan.id), before: { status: 'completed' }, after: { status: 'running' }, reason: by.reason })),
    ]);
    if (rows.length) {
      emit('printLane:updated', { lanes: [...new Set(rows.map((r) => r.lane))] as never });
      emit('printScan:updated', { scanIds });
    }
    return report;
  });
  if (report.requeued > 0) await requestPrintCycle(ctx, { actor: by.actor, reason: 'rows requeued' });
  return report;
}
