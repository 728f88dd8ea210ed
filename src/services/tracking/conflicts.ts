// The conflict rules (seed 001 §5.3). Every result carries its event's time; the result kept
// for an operation is the one of the most recent event, so a late or replayed older event never
// overwrites a newer result. On equal times the operation's owner wins: the press for print, the
// scanner for manual operations.
import type { OperationStatus, TrackingSource } from './types.ts';

/** The press's operation; every other operation is a manual one, owned by the scanner. */
export const PRINT_OPERATION = 'print';

export interface OperationResult {
  /** The production job id, or the imposition id. */
  target: string;
  operationId: string;
  status: OperationStatus;
  notes: string;
  eventAt: Date;
  source: TrackingSource;
  /** Our record id of the event. */
  sourceId: number;
}

/** An operation row as the conflict rules see it; completedAt in epoch milliseconds. */
export interface OperationRow {
  completedAt: number | null;
  completedBy: TrackingSource | null;
  status: OperationStatus | null;
}

const ownerOf = (operationId: string): TrackingSource => (operationId === PRINT_OPERATION ? 'print_os' : 'scanner');

/** Whether `next` replaces the row (absent: it is added). The SQL guard in writeResults() says the same. */
export function wins(current: OperationRow | undefined, next: OperationResult): boolean {
  if (!current || current.completedAt === null) return true;
  const at = next.eventAt.getTime();
  if (at !== current.completedAt) return at > current.completedAt;
  return current.completedBy === next.source || next.source === ownerOf(next.operationId);
}
