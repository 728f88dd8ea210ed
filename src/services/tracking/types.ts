// Production tracking's shapes. A "production job" is the shop's job (4604_5889), not an engine job.
import type { Json } from '../engine/types.ts';

export const TRACKING_SOURCES = ['print_os', 'scanner'] as const;
export type TrackingSource = (typeof TRACKING_SOURCES)[number];

/** completed: done; partial: some files printed; aborted: the press aborted it. */
export type OperationStatus = 'completed' | 'partial' | 'aborted';

export interface OperationState {
  operationId: string;
  /** The catalogue's name (print, coating, kiss_cut, ...). */
  name: string;
  sequenceOrder: number;
  required: boolean;
  /** null while nothing was reported. */
  status: OperationStatus | null;
  done: boolean;
  completedAt: Date | null;
  completedBy: TrackingSource | null;
  sourceId: number | null;
  notes: string | null;
  updatedAt: Date;
}

export interface ProductionJob {
  jobId: string;
  versionTag: string | null;
  name: string | null;
  dueDate: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface StatusUpdate {
  id: number;
  sourceType: TrackingSource;
  sourceId: number;
  jobId: string;
  operationId: string;
  status: OperationStatus;
  notes: string | null;
  eventAt: Date;
  applied: boolean;
  createdAt: Date;
}

export type RecordOutcome = { outcome: 'processed' | 'rejected'; reason: string | null; processedAt: Date; attempts: number };

export interface PrintOsEvent {
  id: number;
  device: string;
  marker: number;
  impositionId: string;
  status: 'PRINTED' | 'ABORTED';
  jobName: string | null;
  itemId: string | null;
  completeTime: Date;
  copies: number | null;
  payload: Json | null;
  receivedAt: Date;
  /** null while waiting to be processed. */
  outcome: RecordOutcome | null;
}

export interface Scan {
  id: number;
  scanId: string;
  codeText: string;
  scannedAt: Date;
  machineId: string | null;
  userId: string | null;
  operations: Json;
  metadata: Json | null;
  receivedAt: Date;
  outcome: RecordOutcome | null;
}

export interface TrackingMarker {
  source: TrackingSource;
  /** The highest record id processed. */
  lastProcessedId: number;
  lastProcessedAt: Date | null;
  processedCount: number;
  rejectedCount: number;
  /** Records stored and not processed yet. */
  waiting: number;
  oldestWaitingAt: Date | null;
  /** Seconds the oldest waiting record has waited (0 when none waits). */
  lagSeconds: number;
  /** Rejected records not reprocessed successfully since. */
  rejectsOpen: number;
}

export interface ProcessOutcome {
  source: TrackingSource;
  processed: number;
  rejected: number;
  jobsUpdated: number;
  lastMarker: number;
}
