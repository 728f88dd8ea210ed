// The seed's Jay_PrintDedupe::deleteForScan: deletes the dedupe markers a scan's rows recorded
// (all of them, or those of the given document keys), so that those documents can be printed
// again. Nothing else changes: the scan, its rows and their Exported status stay as they are. A
// later scan whose scope covers the documents prints them again (the production lane's recurring
// scan does so by itself within a minute). A scan purged by retention keeps its markers, so they
// can still be forgotten; a scan id with neither a scan nor markers is unknown.
//
// Refused while a print cycle holds rows of the scan (Processing): the cycle records markers for
// what it prints as it commits each chunk, so markers forgotten under it would come back at once
// and the count reported would be false. Wait for the cycle, or recover it (detectStuckPrinter).
import { sql } from 'drizzle-orm';
import { z } from 'zod';
import { query } from '../../db/client.ts';
import { inTransaction, type ServiceContext } from '../context.ts';
import { appendHistory } from '../engine/history.ts';
import type { Actor } from '../engine/types.ts';
import { GovernorBusyError, InvalidInputError, NotFoundError } from '../errors.ts';
import { parseInput } from '../validate.ts';
import { PRINT_GOVERNOR } from './model.ts';

const forgetInput = z
  .object({
    scanId: z.number().int().positive(),
    /** Only these documents' markers; every marker of the scan when absent. */
    documentKeys: z.array(z.string().min(1).max(200)).min(1, 'name at least one key, or leave documentKeys out for every marker of the scan').max(1_000).nullish(),
  })
  .strict();
export type ForgetInput = z.input<typeof forgetInput>;

export interface ForgetReport {
  scanId: number;
  /** Markers deleted: documents printable again. */
  markersDeleted: number;
  /** Of documentKeys, those with no marker of this scan (never printed by it, or forgotten already). */
  keysWithoutMarker: string[];
}

export async function forgetPrintedDocuments(ctx: ServiceContext, input: ForgetInput, by: Actor): Promise<ForgetReport> {
  const { scanId, documentKeys } = parseInput(forgetInput, input);
  if (!by.reason?.trim()) throw new InvalidInputError([{ path: 'reason', message: 'say why the documents should be printable again' }]);
  return inTransaction(ctx, async (tx, emit) => {
    const [state] = await query<{ scan: boolean; markers: boolean; holder: number | null }>(
      tx,
      sql`select exists (select 1 from print_scans where id = ${scanId}) as scan,
                 exists (select 1 from print_dedupe where scan_id = ${scanId}) as markers,
                 (select held_by_job_id from print_export_rows where scan_id = ${scanId} and status = 'processing' limit 1) as holder`,
    );
    if (!state!.scan && !state!.markers) throw new NotFoundError('printScan', String(scanId));
    if (state!.holder !== null) throw new GovernorBusyError(PRINT_GOVERNOR, `print cycle job ${state!.holder}, which holds rows of scan ${scanId}`);
    const keyFilter = documentKeys ? sql` and document_key in (select jsonb_array_elements_text(${JSON.stringify(documentKeys)}::jsonb))` : sql``;
    const deleted = await query<{ document_key: string }>(tx, sql`delete from print_dedupe where scan_id = ${scanId}${keyFilter} returning document_key`);
    const gone = new Set(deleted.map((row) => row.document_key));
    const report: ForgetReport = { scanId, markersDeleted: deleted.length, keysWithoutMarker: (documentKeys ?? []).filter((key) => !gone.has(key)) };
    await appendHistory(tx, emit, [
      {
        actor: by.actor,
        operation: 'forgetPrintedDocuments',
        targetType: 'printScan',
        targetId: String(scanId),
        after: { markersDeleted: report.markersDeleted, documentKeys: [...gone].slice(0, 20), keysWithoutMarker: report.keysWithoutMarker.slice(0, 20), onlyKeys: documentKeys !== null && documentKeys !== undefined },
        reason: by.reason,
      },
    ]);
    return report;
  });
}
