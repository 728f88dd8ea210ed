// A batch's view of the operation rows its records touch: read (and locked) once before the
// batch, then changed in memory record by record in marker order with the conflict rules, so a
// record sees what the records before it in the batch changed, exactly as if each had been
// written on its own. What changed is written back in one statement per table (results.ts).
import { sql } from 'drizzle-orm';
import { query, type Db } from '../../db/client.ts';
import { wins, type OperationResult, type OperationRow } from './conflicts.ts';
import { anyText } from './sqlLists.ts';
import type { OperationStatus, TrackingSource } from './types.ts';

export type Level = 'job' | 'imposition';

export const LEVEL_TABLES = {
  job: { table: 'production_job_operations', key: 'job_id' },
  imposition: { table: 'imposition_operations', key: 'imposition_id' },
} as const;

export interface OperationKey {
  /** The production job id, or the imposition id. */
  target: string;
  operationId: string;
}

const keyOf = (k: OperationKey) => `${k.target}\u0000${k.operationId}`;

/** One history row: what a record reported for a production job's operation, applied or not. */
export interface HistoryRow {
  source: TrackingSource;
  source_id: number;
  target: string;
  operation_id: string;
  status: OperationStatus;
  notes: string | null;
  event_at: string;
  applied: boolean;
}

export class OperationStates {
  private readonly rows = new Map<string, OperationRow>();
  private readonly changed = new Map<string, OperationResult>();

  constructor(readonly level: Level) {}

  /**
   * Reads the rows of these keys and locks them (in key order, as every processor does, so two
   * processors wait for each other instead of deadlocking) until the batch commits.
   */
  async load(tx: Db, keys: OperationKey[]): Promise<void> {
    if (keys.length === 0) return;
    const { table, key } = LEVEL_TABLES[this.level];
    const rows = await query<{ target: string; operation_id: string; completed_at: string | Date | null; completed_by: TrackingSource | null; status: OperationStatus | null }>(
      tx,
      sql`select ${sql.raw(key)} as target, operation_id, completed_at, completed_by, status from ${sql.raw(table)}
          where ${sql.raw(key)} = ${anyText([...new Set(keys.map((k) => k.target))])}
            and operation_id = ${anyText([...new Set(keys.map((k) => k.operationId))])}
          order by ${sql.raw(key)}, operation_id for update`,
    );
    for (const row of rows) {
      this.rows.set(keyOf({ target: row.target, operationId: row.operation_id }), {
        completedAt: row.completed_at === null ? null : new Date(row.completed_at).getTime(),
        completedBy: row.completed_by,
        status: row.status,
      });
    }
  }

  /** The operation's status now (in the batch so far); null when nothing was reported. */
  statusOf(target: string, operationId: string): OperationStatus | null {
    return this.rows.get(keyOf({ target, operationId }))?.status ?? null;
  }

  /**
   * Applies one record's results: one per target and operation (the last given), each kept
   * when it wins over the row as it stands. Returns whether each was applied.
   */
  apply(results: OperationResult[]): { result: OperationResult; applied: boolean }[] {
    const unique = new Map(results.map((r) => [keyOf(r), r]));
    return [...unique.entries()].map(([key, result]) => {
      const applied = wins(this.rows.get(key), result);
      if (applied) {
        this.rows.set(key, { completedAt: result.eventAt.getTime(), completedBy: result.source, status: result.status });
        this.changed.set(key, result);
      }
      return { result, applied };
    });
  }

  /** The result each changed row ends the batch with, in key order. */
  changes(): OperationResult[] {
    return [...this.changed.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, result]) => result);
  }
}

/** The state one batch of records works on: both levels' rows, and the history it makes. */
export class BatchState {
  readonly impositions = new OperationStates('imposition');
  readonly jobs = new OperationStates('job');
  readonly history: HistoryRow[] = [];

  /** Reads and locks the rows the batch may change: impositions' first, then production jobs', as every processor does. */
  static async load(tx: Db, keys: Record<Level, OperationKey[]>): Promise<BatchState> {
    const state = new BatchState();
    await state.impositions.load(tx, keys.imposition);
    await state.jobs.load(tx, keys.job);
    return state;
  }

  /** Applies one record's results on production jobs and records each in the history; returns the production jobs it changed. */
  applyJobResults(results: OperationResult[]): string[] {
    const outcomes = this.jobs.apply(results);
    for (const { result, applied } of outcomes) {
      this.history.push({
        source: result.source,
        source_id: result.sourceId,
        target: result.target,
        operation_id: result.operationId,
        status: result.status,
        notes: result.notes,
        event_at: result.eventAt.toISOString(),
        applied,
      });
    }
    return [...new Set(outcomes.filter((o) => o.applied).map((o) => o.result.target))];
  }
}
