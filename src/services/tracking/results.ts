// Writing a batch's results and status-update history, a statement per table whatever the
// batch's size. The results were judged in memory with the conflict rules (conflicts.ts).
import { sql } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { LEVEL_TABLES, type BatchState, type HistoryRow, type Level } from './operationStates.ts';
import { PRINT_OPERATION, type OperationResult } from './conflicts.ts';

/**
 * Writes a batch's final results on production jobs' or impositions' operations, one statement.
 * The rows were locked when the batch read them; the guard (the rules again) covers a row the
 * other source added meanwhile. An operation a target did not list yet is added with its
 * catalogue order and required flag.
 */
export async function writeResults(tx: Db, level: Level, results: OperationResult[]): Promise<void> {
  if (results.length === 0) return;
  const { table, key } = LEVEL_TABLES[level];
  const rows = results.map((r, n) => ({
    n,
    target: r.target,
    operation_id: r.operationId,
    status: r.status,
    notes: r.notes,
    event_at: r.eventAt.toISOString(),
    source: r.source,
    source_id: r.sourceId,
  }));
  await tx.execute(sql`
    insert into ${sql.raw(table)} as cur (${sql.raw(key)}, operation_id, sequence_order, required, status, completed_at, completed_by, source_id, notes, updated_at)
    select input.target, input.operation_id, coalesce(c.sequence_order, 0), coalesce(c.required, false),
           input.status, input.event_at, input.source, input.source_id, input.notes, now()
    from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
           as input(target text, operation_id text, status text, notes text, event_at timestamptz, source text, source_id bigint, n int)
    left join tracking_operations c on c.operation_id = input.operation_id
    order by input.n
    on conflict (${sql.raw(key)}, operation_id) do update
    set status = excluded.status, completed_at = excluded.completed_at, completed_by = excluded.completed_by,
        source_id = excluded.source_id, notes = excluded.notes, updated_at = now()
    where cur.completed_at is null
       or excluded.completed_at > cur.completed_at
       or (excluded.completed_at = cur.completed_at
           and (cur.completed_by = excluded.completed_by
                or excluded.completed_by = case when excluded.operation_id = ${PRINT_OPERATION} then 'print_os' else 'scanner' end))`);
}

/**
 * Records the batch's status updates in the history, applied or not, in record order, once per
 * (source, record, production job, operation): reprocessing a record adds nothing.
 */
export async function writeHistory(tx: Db, rows: HistoryRow[]): Promise<void> {
  if (rows.length === 0) return;
  await tx.execute(sql`
    insert into production_status_updates (source_type, source_id, job_id, operation_id, status, notes, event_at, applied)
    select source, source_id, target, operation_id, status, notes, event_at, applied
    from jsonb_to_recordset(${JSON.stringify(rows.map((row, n) => ({ ...row, n })))}::jsonb)
           as x(source text, source_id bigint, target text, operation_id text, status text, notes text, event_at timestamptz, applied boolean, n int)
    order by n
    on conflict (source_type, source_id, job_id, operation_id) do nothing`);
}

/** Writes what a batch changed: impositions' operations, production jobs' operations, the history. */
export async function writeBatch(tx: Db, state: BatchState): Promise<void> {
  await writeResults(tx, 'imposition', state.impositions.changes());
  await writeResults(tx, 'job', state.jobs.changes());
  await writeHistory(tx, state.history);
}
