// A batch's view of the operation rows its records touch: read once before the batch, then
// changed in memory record by record in marker order with the conflict rules, so a record sees
// what the records before it in the batch changed, exactly as if each had been written on its
// own. What changed is written back in one statement per table (results.ts), with the history.
import { sql } from 'drizzle-orm';
import { query, type Db } from '../../db/client.ts';
import { PRINT_OPERATION, wins, type OperationResult, type OperationRow } from './conflicts.ts';
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

type StateRow = { target: string; operation_id: string; completed_at: string | Date | null; completed_by: TrackingSource | null; status: OperationStatus | null };

export class OperationStates {
  private readonly rows = new Map<string, OperationRow>();
  private readonly changed = new Map<string, OperationResult>();

  constructor(readonly level: Level) {}

  /**
   * Reads the rows of these keys. Rows of print, which both processors write, are locked until
   * the batch commits (in key order, as every processor does, so two processors wait for each
   * other instead of deadlocking); a manual operation is written by the scanner's processor
   * alone, which holds its marker row.
   */
  async load(tx: Db, keys: OperationKey[]): Promise<void> {
    await this.read(tx, keys.filter((k) => k.operationId === PRINT_OPERATION), true);
    await this.read(tx, keys.filter((k) => k.operationId !== PRINT_OPERATION), false);
  }

  private async read(tx: Db, keys: OperationKey[], lock: boolean): Promise<void> {
    if (keys.length === 0) return;
    const { table, key } = LEVEL_TABLES[this.level];
    const rows = await query<StateRow>(
      tx,
      sql`select ${sql.raw(key)} as target, operation_id, completed_at, completed_by, status from ${sql.raw(table)}
          where ${sql.raw(key)} = ${anyText([...new Set(keys.map((k) => k.target))])}
            and operation_id = ${anyText([...new Set(keys.map((k) => k.operationId))])}
          ${lock ? sql`order by ${sql.raw(key)}, operation_id for update` : sql``}`,
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

/** The state one batch of records works on: both levels' rows, runlists' results, and the history it makes. */
export class BatchState {
  readonly impositions = new OperationStates('imposition');
  readonly jobs = new OperationStates('job');
  /** Each applied to every imposition of its runlist (`target`), in record order. */
  readonly runlistResults: OperationResult[] = [];
  /** What each record reported for each production job's operation, applied or not, in record order. */
  readonly history: { result: OperationResult; applied: boolean }[] = [];

  /**
   * Reads the rows the batch may change: production jobs' first, then impositions', the order in
   * which every batch locks rows (a scan batch's runlist results lock impositions' rows after it
   * read production jobs').
   */
  static async load(tx: Db, keys: Record<Level, OperationKey[]>): Promise<BatchState> {
    const state = new BatchState();
    await state.jobs.load(tx, keys.job);
    await state.impositions.load(tx, keys.imposition);
    return state;
  }

  /**
   * A scan's results on a runlist's impositions. No history is kept of impositions and no record
   * reads them after a scan, so they are judged when written: per imposition and operation the
   * scan of the latest time (the last of them on a tie) against the row, which the rules make
   * the same as applying each in turn.
   */
  applyRunlistResults(results: OperationResult[]): void {
    this.runlistResults.push(...results);
  }

  /** Applies one record's results on production jobs and records each in the history; returns the production jobs it changed. */
  applyJobResults(results: OperationResult[]): string[] {
    const outcomes = this.jobs.apply(results);
    this.history.push(...outcomes);
    return [...new Set(outcomes.filter((o) => o.applied).map((o) => o.result.target))];
  }
}
