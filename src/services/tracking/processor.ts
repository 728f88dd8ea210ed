// The processor of one source: takes the records waiting in tracking_pending, in record order, a
// batch per transaction. The transaction holds the source's marker row locked (so two processors
// of one source can never interleave, whatever governs them), applies the records' effects,
// files each one's outcome (processed, or rejected with its reason: the marker moves on either
// way), removes them from the waiting list and advances the marker, all in one commit.
// Set-based: a batch costs a dozen statements whatever its size. Its records are planned
// together (reference data read once), the operation rows they touch are read and locked once,
// each record is applied in memory in marker order (so it sees what the ones before it changed,
// as if each had been processed alone), and what changed is written back once.
import { sql } from 'drizzle-orm';
import { query, type Db } from '../../db/client.ts';
import { hasSqlState } from '../../db/unavailable.ts';
import { inTransaction, type ServiceContext } from '../context.ts';
import type { Json } from '../engine/types.ts';
import { BatchState } from './operationStates.ts';
import { planPrintOsBatch } from './processPrintOs.ts';
import { planScanBatch } from './processScan.ts';
import type { RecordEffect, RecordPlan } from './recordEffect.ts';
import { ReferenceLookups } from './references.ts';
import { checkRejectAlerts } from './rejectAlerts.ts';
import { writeBatch } from './results.ts';
import type { ProcessOutcome, TrackingSource } from './types.ts';
import { anyBigint } from './sqlLists.ts';

/**
 * Records per transaction, at most: a batch is what waits, up to this. A set-based batch costs a
 * dozen statements whatever its size, and the bigger it is the more of its records' writes on
 * the same operations it collapses (a runlist scanned again and again is written once per batch),
 * so a processor that falls behind catches up faster.
 */
export const PROCESS_BATCH = 5_000;

type Row = Record<string, unknown>;

/** Processes every waiting record of `source` until none waits (or `signal` aborts). */
export async function processPending(ctx: ServiceContext, source: TrackingSource, options: { signal?: AbortSignal } = {}): Promise<ProcessOutcome> {
  const total: ProcessOutcome = { source, processed: 0, rejected: 0, jobsUpdated: 0, lastMarker: await currentMarker(ctx.db, source) };
  const jobs = new Set<string>();
  while (!options.signal?.aborted) {
    const batch = await retriedOnDeadlock(() => processBatch(ctx, source));
    if (!batch) break;
    total.processed += batch.outcome.processed;
    total.rejected += batch.outcome.rejected;
    total.lastMarker = batch.outcome.lastMarker;
    for (const job of batch.jobIds) jobs.add(job);
  }
  total.jobsUpdated = jobs.size;
  if (total.processed + total.rejected > 0) await checkRejectAlerts(ctx);
  return total;
}

/**
 * Both sources lock rows of print in one order, but a row that did not exist yet is added by
 * a later statement of the batch: should two batches add such rows crosswise, PostgreSQL ends one
 * of them (deadlock detected) and nothing of it was committed. It is run again.
 */
async function retriedOnDeadlock<T>(run: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await run();
    } catch (error) {
      if (attempt >= 3 || !hasSqlState(error, '40P01')) throw error;
    }
  }
}

async function currentMarker(db: Db, source: TrackingSource): Promise<number> {
  const [row] = await query<{ last_processed_id: string | number }>(db, sql`select last_processed_id from processing_markers where source = ${source}`);
  return Number(row?.last_processed_id ?? 0);
}

async function processBatch(ctx: ServiceContext, source: TrackingSource): Promise<{ outcome: ProcessOutcome; jobIds: string[] } | null> {
  return inTransaction(ctx, async (tx, emit) => {
    await tx.execute(sql`insert into processing_markers (source) values (${source}) on conflict do nothing`);
    await tx.execute(sql`select 1 from processing_markers where source = ${source} for update`);
    const records = await waitingRecords(tx, source);
    if (records.length === 0) return null;
    const lookups = new ReferenceLookups(tx);
    const effects = source === 'print_os' ? await planPrintOsBatch(tx, lookups, records.map(printOsRecord)) : await planScanBatch(lookups, records.map(scanRecord));
    const plans = effects.filter((effect): effect is RecordPlan => !('rejected' in effect));
    const state = await BatchState.load(tx, { imposition: plans.flatMap((p) => p.keys.imposition), job: plans.flatMap((p) => p.keys.job) });
    const jobIds = new Set<string>();
    const outcomes = records.map((record, i) => {
      const effect = effects[i]!;
      const changed = 'rejected' in effect ? [] : effect.apply(state);
      for (const job of changed) jobIds.add(job);
      return outcomeRow(Number(record.id), effect, changed);
    });
    await writeBatch(tx, state);
    const ids = outcomes.map((o) => o.record_id);
    const rejected = outcomes.filter((o) => o.outcome === 'rejected').length;
    const [marker] = await query<{ last_processed_id: string | number }>(
      tx,
      sql`with done as (
            delete from tracking_pending where source = ${source} and record_id = ${anyBigint(ids)}
          ),
          filed as (
            insert into tracking_outcomes (source, record_id, outcome, reason, jobs_updated)
            select ${source}, record_id, outcome, reason, jobs_updated
            from jsonb_to_recordset(${JSON.stringify(outcomes)}::jsonb) as x(record_id bigint, outcome text, reason text, jobs_updated int)
            on conflict (source, record_id) do update
            set outcome = excluded.outcome, reason = excluded.reason, jobs_updated = excluded.jobs_updated,
                attempts = tracking_outcomes.attempts + 1, processed_at = now()
          )
          update processing_markers
          set last_processed_id = greatest(last_processed_id, ${Math.max(...ids)}), last_processed_at = now(),
              processed_count = processed_count + ${outcomes.length - rejected}, rejected_count = rejected_count + ${rejected}, updated_at = now()
          where source = ${source}
          returning last_processed_id`,
    );
    const outcome: ProcessOutcome = {
      source,
      processed: outcomes.length - rejected,
      rejected,
      jobsUpdated: jobIds.size,
      lastMarker: Number(marker!.last_processed_id),
    };
    emit('tracking:processed', outcome);
    if (jobIds.size > 0) emit('productionJob:updated', { jobIds: [...jobIds] });
    return { outcome, jobIds: [...jobIds] };
  });
}

/**
 * The waiting records, oldest first. Read from the waiting list, never as `id > marker`: a
 * record whose transaction committed after a higher id was processed is still listed, and
 * is taken now.
 */
async function waitingRecords(tx: Db, source: TrackingSource): Promise<Row[]> {
  const table = source === 'print_os' ? sql`print_os_events` : sql`scans`;
  return query<Row>(
    tx,
    sql`select r.* from tracking_pending p join ${table} r on r.id = p.record_id
        where p.source = ${source}
        order by p.record_id limit ${PROCESS_BATCH}`,
  );
}

function outcomeRow(recordId: number, effect: RecordEffect, jobsChanged: string[]) {
  return 'rejected' in effect
    ? { record_id: recordId, outcome: 'rejected' as const, reason: effect.rejected, jobs_updated: 0 }
    : { record_id: recordId, outcome: 'processed' as const, reason: null, jobs_updated: jobsChanged.length };
}

const printOsRecord = (r: Row) => ({
  id: Number(r.id),
  impositionId: r.imposition_id as string,
  status: r.status as 'PRINTED' | 'ABORTED',
  completeTime: new Date(r.complete_time as string),
  copies: r.copies === null ? null : Number(r.copies),
});

const scanRecord = (r: Row) => ({
  id: Number(r.id),
  codeText: r.code_text as string,
  scannedAt: new Date(r.scanned_at as string),
  machineId: (r.machine_id as string | null) ?? null,
  userId: (r.user_id as string | null) ?? null,
  operations: r.operations as Json,
});
