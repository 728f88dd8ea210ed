// What one incoming record comes to, planned before its batch is applied: rejected with its
// reason (nothing written), or the operation rows it may change (read and locked for the batch)
// and how it changes them, applied in marker order on the batch's state.
import type { BatchState, Level, OperationKey } from './operationStates.ts';

export interface RecordPlan {
  keys: Record<Level, OperationKey[]>;
  /** Applies the record's results to the batch's state; returns the production jobs whose operations it changed. */
  apply(state: BatchState): string[];
}

export type RecordEffect = { rejected: string } | RecordPlan;
