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

/**
 * Upserts results on production jobs' or impositions' operations; returns the keys
 * (`target operationId`) of those applied. An operation a target did not list yet is added
 * with its catalogue order and required flag.
 */
export async function applyResults(tx: Db, level: keyof typeof TABLES, results: OperationResult[]): Promise<Set<string>> {
  const unique = new Map(results.map((r) => [`${r.target} ${r.operationId}`, r]));
  if (unique.size === 0) return new Set();
  const { table, key } = TABLES[level];
  const input = [...unique.values()].map((r) => ({
    target: r.target,
    operation_id: r.operationId,
    status: r.status,
    notes: r.notes,
    event_at: r.eventAt.toISOString(),
    source: r.source,
    source_id: r.sourceId,
  }));
  const rows = await query<{ target: string; operation_id: string }>(
    tx,
    sql`with input as (
          select * from jsonb_to_recordset(${JSON.stringify(input)}::jsonb)
            as x(target text, operation_id text, status text, notes text, event_at timestamptz, source text, source_id bigint)
        )
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
        returning ${sql.raw(key)} as target, operation_id`,
  );
  return new Set(rows.map((r) => `${r.target} ${r.operation_id}`));
}

/**
 * Records each production job result in the history, applied or not, once per (source, record,
 * production job, operation): reprocessing a record adds nothing. Returns the production jobs
 * whose operations changed.
 */
export async function recordStatusUpdates(tx: Db, results: OperationResult[], applied: Set<string>): Promise<string[]> {
  if (results.length === 0) return [];
  const input = results.map((r) => ({
    source_type: r.source,
    source_id: r.sourceId,
    job_id: r.target,
    operation_id: r.operationId,
    status: r.status,
    notes: r.notes,
    event_at: r.eventAt.toISOString(),
    applied: applied.has(`${r.target} ${r.operationId}`),
  }));
  await tx.execute(
    sql`insert into production_status_updates (source_type, source_id, job_id, operation_id, status, notes, event_at, applied)
        select source_type, source_id, job_id, operation_id, status, notes, event_at, applied
        from jsonb_to_recordset(${JSON.stringify(input)}::jsonb)
          as x(source_type text, source_id bigint, job_id text, operation_id text, status text, notes text, event_at timestamptz, applied boolean)
        on conflict (source_type, source_id, job_id, operation_id) do nothing`,
  );
  return [...new Set(input.filter((r) => r.applied).map((r) => r.job_id))];
}
