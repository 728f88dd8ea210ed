// Writing a batch's results and status-update history, a statement per table whatever the
// batch's size. The results were judged in memory with the conflict rules (conflicts.ts). They
// travel compactly: each row names its record by position in a small table of the batch's
// records (source, id, time, and the record's first status and notes, which most rows share).
import { type SQL, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { PRINT_OPERATION, type OperationResult } from './conflicts.ts';
import { LEVEL_TABLES, type BatchState, type Level } from './operationStates.ts';

class Encoding {
  private readonly records: { i: number; source: string; id: number; at: string; s: string; x: string }[] = [];
  private readonly positions = new Map<string, number>();

  /** Rows of results: the record's position, target, operation, and status and notes where they differ from the record's. */
  rows(results: OperationResult[], applied?: boolean[]) {
    return results.map((r, n) => {
      const key = `${r.source} ${r.sourceId}`;
      let i = this.positions.get(key);
      if (i === undefined) {
        i = this.records.length;
        this.positions.set(key, i);
        this.records.push({ i, source: r.source, id: r.sourceId, at: r.eventAt.toISOString(), s: r.status, x: r.notes });
      }
      const record = this.records[i]!;
      return { n, i, t: r.target, o: r.operationId, s: r.status === record.s ? undefined : r.status, x: r.notes === record.x ? undefined : r.notes, a: applied?.[n] };
    });
  }

  /** The CTE `input` (n, target, operation_id, status, notes, event_at, source, source_id, applied) over `rows`. */
  input(rows: ReturnType<Encoding['rows']>): SQL {
    return sql`records as (
        select * from jsonb_to_recordset(${JSON.stringify(this.records)}::jsonb) as r(i int, source text, id bigint, at timestamptz, s text, x text)),
      input as (
        select h.n, h.t as target, h.o as operation_id, coalesce(h.s, r.s) as status, coalesce(h.x, r.x) as notes,
               r.at as event_at, r.source, r.id as source_id, h.a as applied
        from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as h(n int, i int, t text, o text, s text, x text, a boolean)
        join records r on r.i = h.i)`;
  }
}

/** The conflict rules as the guard of an upsert: the same as wins() in conflicts.ts. */
const guard = sql`cur.completed_at is null
       or excluded.completed_at > cur.completed_at
       or (excluded.completed_at = cur.completed_at
           and (cur.completed_by = excluded.completed_by
                or excluded.completed_by = case when excluded.operation_id = ${PRINT_OPERATION} then 'print_os' else 'scanner' end))`;

/**
 * Upserts results on production jobs' or impositions' operations from `rows` (a select of
 * target, operation_id, status, notes, event_at, source, source_id, one per key, in key order).
 * Rows read for the batch were locked or are written by this processor alone; the guard (the
 * rules again) judges a row the batch did not read. An operation a target did not list yet is
 * added with its catalogue order and required flag.
 */
function upsert(level: Level, rows: SQL): SQL {
  const { table, key } = LEVEL_TABLES[level];
  return sql`
    insert into ${sql.raw(table)} as cur (${sql.raw(key)}, operation_id, sequence_order, required, status, completed_at, completed_by, source_id, notes, updated_at)
    select x.target, x.operation_id, coalesce(c.sequence_order, 0), coalesce(c.required, false),
           x.status, x.event_at, x.source, x.source_id, x.notes, now()
    from (${rows}) x left join tracking_operations c on c.operation_id = x.operation_id
    on conflict (${sql.raw(key)}, operation_id) do update
    set status = excluded.status, completed_at = excluded.completed_at, completed_by = excluded.completed_by,
        source_id = excluded.source_id, notes = excluded.notes, updated_at = now()
    where ${guard}`;
}

/** Writes what a batch changed: impositions' operations, production jobs' operations, the history. */
export async function writeBatch(tx: Db, state: BatchState): Promise<void> {
  const encoding = new Encoding();
  const write = async (results: OperationResult[], statement: (input: SQL) => SQL, applied?: boolean[]) => {
    if (results.length === 0) return;
    const input = encoding.input(encoding.rows(results, applied));
    await tx.execute(sql`with ${input} ${statement(sql`input`)}`);
  };
  await write(state.impositions.changes(), (input) => upsert('imposition', sql`select * from ${input} order by n`));
  // Per imposition and operation, the latest scan of the runlists reaching it (the last on a tie).
  await write(state.runlistResults, (input) =>
    upsert(
      'imposition',
      sql`select distinct on (ri.imposition_id, input.operation_id) ri.imposition_id as target, input.operation_id, input.status,
                 input.notes, input.event_at, input.source, input.source_id
          from ${input} join runlist_impositions ri on ri.runlist_id = input.target
          order by ri.imposition_id, input.operation_id, input.event_at desc, input.n desc`,
    ),
  );
  await write(state.jobs.changes(), (input) => upsert('job', sql`select * from ${input} order by n`));
  // Once per (source, record, production job, operation): reprocessing a record adds nothing.
  await write(
    state.history.map((h) => h.result),
    (input) => sql`
      insert into production_status_updates (source_type, source_id, job_id, operation_id, status, notes, event_at, applied)
      select source, source_id, target, operation_id, status, notes, event_at, applied from ${input} order by n
      on conflict (source_type, source_id, job_id, operation_id) do nothing`,
    state.history.map((h) => h.applied),
  );
}
