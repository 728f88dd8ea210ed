// The seed's Job_Jay_ClearAllExportTables: deletes every scan, slice, batch, lane row and dedupe
// marker and clears the print governor. Documents and scopes stay. Destructive: the API asks for
// an admin key; this service asks for the confirmation phrase, refuses in production mode
// (the productionMode setting or NODE_ENV=production) and while a print cycle runs.
import { sql } from 'drizzle-orm';
import { query } from '../../db/client.ts';
import { inTransaction, type ServiceContext } from '../context.ts';
import { clearGovernorPending } from '../engine/governors.ts';
import { appendHistory } from '../engine/history.ts';
import type { Actor } from '../engine/types.ts';
import { ForbiddenError, GovernorBusyError, InvalidInputError } from '../errors.ts';
import { LANES, PRINT_GOVERNOR } from './model.ts';
import { getPrintGovernor } from './printGovernor.ts';

export const CLEAR_ALL_CONFIRMATION = 'DELETE ALL PRINT EXPORT STATE';

export interface ClearAllReport {
  scans: number;
  slices: number;
  batches: number;
  rows: number;
  dedupeMarkers: number;
  pendingCycleCleared: boolean;
}

export const inProductionMode = (ctx: ServiceContext) => ctx.settings.productionMode || process.env.NODE_ENV === 'production';

export async function clearAllExportTables(ctx: ServiceContext, confirmation: string, by: Actor): Promise<ClearAllReport> {
  if (inProductionMode(ctx)) throw new ForbiddenError('clearAllExportTables is refused in production mode (the productionMode setting or NODE_ENV=production)');
  if (confirmation !== CLEAR_ALL_CONFIRMATION) {
    throw new InvalidInputError([{ path: 'confirmation', message: `type ${JSON.stringify(CLEAR_ALL_CONFIRMATION)} to confirm that all print export state is deleted` }]);
  }
  if (!by.reason?.trim()) throw new InvalidInputError([{ path: 'reason', message: 'say why all print export state is deleted' }]);
  const governor = await getPrintGovernor(ctx.db);
  if (governor.isPrinting) throw new GovernorBusyError(PRINT_GOVERNOR, governor.holder);
  const pendingCycleCleared = await clearGovernorPending(ctx, PRINT_GOVERNOR, by);
  return inTransaction(ctx, async (tx, emit) => {
    const [counts] = await query<{ rows: number; batches: number; slices: number; scans: number; dedupe: number }>(
      tx,
      sql`with rows as (delete from print_export_rows returning 1),
               batches as (delete from print_batches returning 1),
               slices as (delete from print_slices returning 1),
               scans as (delete from print_scans returning 1),
               dedupe as (delete from print_dedupe returning 1)
          select (select count(*)::int from rows) as rows, (select count(*)::int from batches) as batches,
                 (select count(*)::int from slices) as slices, (select count(*)::int from scans) as scans,
                 (select count(*)::int from dedupe) as dedupe`,
    );
    const report: ClearAllReport = { scans: counts!.scans, slices: counts!.slices, batches: counts!.batches, rows: counts!.rows, dedupeMarkers: counts!.dedupe, pendingCycleCleared };
    await appendHistory(tx, emit, [{ actor: by.actor, operation: 'clearAllExportTables', targetType: 'printPipeline', targetId: 'all', after: { ...report }, reason: by.reason }]);
    emit('printLane:updated', { lanes: [...LANES] });
    return report;
  });
}
