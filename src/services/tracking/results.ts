// Writes operation results with the conflict rules (seed 001 §5.3), and the status-update
// history. Every result carries its event's time; the result kept for an operation is the one of
// the most recent event, so a late or replayed older event never overwrites a newer result. On
// equal times the operation's owner wins: the press for print, the scanner for manual operations.
import { sql } from 'drizzle-orm';
import { query, type Db } from '../../db/client.ts';
import type { OperationStatus, TrackingSource } from './types.ts';

/** The press's operation; every other operation is a manual one, owned by the scanner. */
export const PRINT_OPERATION = 'print';

export interface OperationResult {
  /** The production job id, or the imposition id. */
  target: string;
  operationId: string;
  status: OperationStatus;
  notes: string | null;
  eventAt: Date;
  source: TrackingSource;
  /** Our record id of the event. */
  sourceId: number;
}

const TABLES = {
  job: { table: 'production_job_operations', key: 'job_id' },
  imposition: { table: 'imposition_operations', key: 'imposition_id' },
} as const;

/** One result per target and operation (the last given): an upsert may not touch a row twice. */
function inputRows(results: OperationResult[]) {
  const unique = new Map(results.map((r) => [`${r.target} ${r.operationId}`, r]));
  return [...unique.values()].map((r) => ({
    target: r.target,
    operation_id: r.operationId,
    status: r.status,
    notes: r.notes,
    event_at: r.eventAt.toISOString(),
    source: r.source,
    source_id: r.sourceId,
  }));
}

/**
 * The upsert of results on production jobs' or impositions' operations, as a statement to put in
 * a WITH: it returns the keys of those applied. An operation a target did not list yet is added
 * with its catalogue order and required flag.
 */
function upsertStatement(level: keyof typeof TABLES) {
  const { table, key } = TABLES[level];
  return sql`
    insert into ${sql.raw(table)} as cur (${sql.raw(key)}, operation_id, sequence_order, required, status, completed_at, completed_by, source_id, notes, updated_at)
    select input.target, input.operation_id, coalesce(c.sequence_order, 0), coalesce(c.required, false),
           input.status, input.event_at, input.source, input.source_id, input.notes, now()
    from input left join tracking_operations c on c.operation_id = input.operation_id
    on conflict (${sql.raw(key)}, operation_id) do update
    set status = excluded.status, completed_at = excluded.completed_at, completed_by = excluded.completed_by,
        source_id = excluded.source_id, notes = excluded.notes, updated_at = now()
    where cur.completed_at is null
       or excluded.completed_at > cur.completed_at
       or (excluded.completed_at = cur.completed_at
           and (cur.completed_by = excluded.completed_by
                or excluded.completed_by = case when excluded.operation_id = ${PRINT_OPERATION} then 'print_os' else 'scanner' end))
    returning ${sql.raw(key)} as target, operation_id`;
}

const inputTable = (rows: ReturnType<typeof inputRows>) => sql`
  input as (
    select * from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
      as x(target text, operation_id text, status text, notes text, event_at timestamptz, source text, source_id bigint))`;

/** Applies results to impositions' operations. */
export async function applyImpositionResults(tx: Db, results: OperationResult[]): Promise<void> {
  const rows = inputRows(results);
  if (rows.length === 0) return;
  await query(tx, sql`with ${inputTable(rows)}, applied as (${upsertStatement('imposition')}) select count(*) from applied`);
}

/**
 * Applies results to production jobs' operations and records each in the status-update history,
 * applied or not, once per (source, record, production job, operation): reprocessing a record
 * adds nothing. One statement. Returns the production jobs whose operations changed.
 */
export async function applyJobResults(tx: Db, results: OperationResult[]): Promise<string[]> {
  const rows = inputRows(results);
  if (rows.length === 0) return [];
  const changed = await query<{ job_id: string }>(
    tx,
    sql`with ${inputTable(rows)},
        applied as (${upsertStatement('job')}),
        recorded as (
          insert into production_status_updates (source_type, source_id, job_id, operation_id, status, notes, event_at, applied)
          select input.source, input.source_id, input.target, input.operation_id, input.status, input.notes, input.event_at,
                 exists (select 1 from applied a where a.target = input.target and a.operation_id = input.operation_id)
          from input
          on conflict (source_type, source_id, job_id, operation_id) do nothing)
        select distinct target as job_id from applied order by 1`,
  );
  return changed.map((r) => r.job_id);
}
