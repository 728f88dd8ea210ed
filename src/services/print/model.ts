// The print pipeline's objects as services return them, their statuses, the one transition table
// per state machine, and the mapping from raw rows (snake_case; int8 may arrive as text).
import { sql } from 'drizzle-orm';
import { InvalidInputError } from '../errors.ts';
import { dateOrNull } from '../engine/rows.ts';
import type { Json } from '../engine/types.ts';

export const LANES = ['production', 'historical'] as const;
export type Lane = (typeof LANES)[number];

/** Each lane's slices run as jobs in an engine queue of its own: pausing the lane pauses that queue. */
export const laneQueue = (lane: Lane) => `print-${lane}`;
/** Scans, print cycles and maintenance run in this queue. */
export const PRINT_QUEUE = 'print';
/** The engine governor of print cycles: the seed's IsPrinting / PendingPrintCycle / LastPrintScheduleUtc. */
export const PRINT_GOVERNOR = 'print';

export const SCAN_STATUSES = ['pending', 'running', 'completed', 'failed', 'cancelled'] as const;
export const SLICE_STATUSES = ['pending', 'running', 'enqueued', 'completed', 'cancelled'] as const;
export const BATCH_STATUSES = ['pending', 'completed', 'cancelled'] as const;
export const ROW_STATUSES = ['queued', 'processing', 'exported', 'failed_export', 'cancelled'] as const;
export type ScanStatus = (typeof SCAN_STATUSES)[number];
export type SliceStatus = (typeof SLICE_STATUSES)[number];
export type BatchStatus = (typeof BATCH_STATUSES)[number];
export type RowStatus = (typeof ROW_STATUSES)[number];

/**
 * The transition tables: operation → the statuses it may start from → the status it leads to.
 * The services' statements name these statuses in their WHERE clauses; the tests and docs read them here.
 */
export const TRANSITIONS = {
  scan: {
    start: { from: ['pending'], to: 'running' },
    complete: { from: ['running'], to: 'completed' },
    fail: { from: ['pending', 'running'], to: 'failed' },
    cancel: { from: ['pending', 'running'], to: 'cancelled' },
    reopen: { from: ['completed'], to: 'running' },
  },
  slice: {
    start: { from: ['pending'], to: 'running' },
    enqueue: { from: ['running'], to: 'enqueued' },
    complete: { from: ['enqueued'], to: 'completed' },
    cancel: { from: ['pending', 'running', 'enqueued'], to: 'cancelled' },
    reopen: { from: ['completed'], to: 'enqueued' },
  },
  batch: {
    complete: { from: ['pending'], to: 'completed' },
    cancel: { from: ['pending'], to: 'cancelled' },
    reopen: { from: ['completed'], to: 'pending' },
  },
  row: {
    claim: { from: ['queued'], to: 'processing' },
    export: { from: ['processing'], to: 'exported' },
    retryLater: { from: ['processing'], to: 'queued' },
    fail: { from: ['processing'], to: 'failed_export' },
    resetStuck: { from: ['processing'], to: 'failed_export' },
    requeue: { from: ['failed_export', 'cancelled'], to: 'queued' },
    cancel: { from: ['queued'], to: 'cancelled' },
  },
} as const;

/** The statuses of a state machine an operation may start from, as an SQL list literal's values. */
export const fromStatuses = <M extends keyof typeof TRANSITIONS>(machine: M, operation: keyof (typeof TRANSITIONS)[M]): readonly string[] =>
  (TRANSITIONS[machine][operation] as { from: readonly string[] }).from;

export function parseLane(value: string, path = 'lane'): Lane {
  if ((LANES as readonly string[]).includes(value)) return value as Lane;
  throw new InvalidInputError([{ path, message: `unknown lane ${JSON.stringify(value)}: use production or historical` }]);
}

export interface DocumentSelection {
  documentType: string | null;
  customer: string | null;
  createdFrom: Date | null;
  createdTo: Date | null;
}

export interface PrintDocument {
  id: number;
  key: string;
  type: string;
  customer: string;
  createdAt: Date;
  contentPath: string | null;
  sizeBytes: number;
  submittedBy: string;
  submittedAt: Date;
}

export interface ScanScope extends DocumentSelection {
  id: number;
  name: string;
  lane: Lane;
  createdBy: string;
  createdAt: Date;
  updatedAt: Date;
}

export interface Scan {
  id: number;
  scopeId: number | null;
  scopeName: string;
  lane: Lane;
  selection: Json;
  status: ScanStatus;
  documentsTotal: number;
  slicesTotal: number;
  error: string | null;
  jobId: number | null;
  createdBy: string;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  updatedAt: Date;
}

export interface Slice {
  id: number;
  scanId: number;
  lane: Lane;
  position: number;
  documentsTotal: number;
  batchesTotal: number;
  status: SliceStatus;
  jobId: number | null;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
}

export interface Batch {
  id: number;
  sliceId: number;
  scanId: number;
  lane: Lane;
  status: BatchStatus;
  rowsTotal: number;
  createdAt: Date;
  finishedAt: Date | null;
}

export interface ExportRow {
  id: number;
  lane: Lane;
  status: RowStatus;
  documentId: number;
  documentKey: string;
  scanId: number;
  sliceId: number;
  batchId: number;
  attempts: number;
  lastAttemptAt: Date | null;
  retryAt: Date | null;
  errorMessage: string | null;
  heldByJobId: number | null;
  heldByAttempt: number | null;
  heldByWorker: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface DedupeMarker {
  documentKey: string;
  scanId: number | null;
  rowId: number | null;
  printedAt: Date;
}

type Row = Record<string, unknown>;
const num = (v: unknown) => Number(v);
const numOrNull = (v: unknown) => (v === null || v === undefined ? null : Number(v));
const date = (v: unknown) => new Date(v as string);
const text = (v: unknown) => (v as string | null) ?? null;

export const documentFromRow = (r: Row): PrintDocument => ({
  id: num(r.id),
  key: r.key as string,
  type: r.type as string,
  customer: r.customer as string,
  createdAt: date(r.created_at),
  contentPath: text(r.content_path),
  sizeBytes: num(r.size_bytes),
  submittedBy: r.submitted_by as string,
  submittedAt: date(r.submitted_at),
});

export const scopeFromRow = (r: Row): ScanScope => ({
  id: num(r.id),
  name: r.name as string,
  lane: r.lane as Lane,
  documentType: text(r.document_type),
  customer: text(r.customer),
  createdFrom: dateOrNull(r.created_from),
  createdTo: dateOrNull(r.created_to),
  createdBy: r.created_by as string,
  createdAt: date(r.created_at),
  updatedAt: date(r.updated_at),
});

export const scanFromRow = (r: Row): Scan => ({
  id: num(r.id),
  scopeId: numOrNull(r.scope_id),
  scopeName: r.scope_name as string,
  lane: r.lane as Lane,
  selection: r.selection as Json,
  status: r.status as ScanStatus,
  documentsTotal: num(r.documents_total),
  slicesTotal: num(r.slices_total),
  error: text(r.error),
  jobId: numOrNull(r.job_id),
  createdBy: r.created_by as string,
  createdAt: date(r.created_at),
  startedAt: dateOrNull(r.started_at),
  finishedAt: dateOrNull(r.finished_at),
  updatedAt: date(r.updated_at),
});

export const sliceFromRow = (r: Row): Slice => ({
  id: num(r.id),
  scanId: num(r.scan_id),
  lane: r.lane as Lane,
  position: num(r.position),
  documentsTotal: num(r.documents_total),
  batchesTotal: num(r.batches_total),
  status: r.status as SliceStatus,
  jobId: numOrNull(r.job_id),
  createdAt: date(r.created_at),
  startedAt: dateOrNull(r.started_at),
  finishedAt: dateOrNull(r.finished_at),
});

export const batchFromRow = (r: Row): Batch => ({
  id: num(r.id),
  sliceId: num(r.slice_id),
  scanId: num(r.scan_id),
  lane: r.lane as Lane,
  status: r.status as BatchStatus,
  rowsTotal: num(r.rows_total),
  createdAt: date(r.created_at),
  finishedAt: dateOrNull(r.finished_at),
});

export const exportRowFromRow = (r: Row): ExportRow => ({
  id: num(r.id),
  lane: r.lane as Lane,
  status: r.status as RowStatus,
  documentId: num(r.document_id),
  documentKey: r.document_key as string,
  scanId: num(r.scan_id),
  sliceId: num(r.slice_id),
  batchId: num(r.batch_id),
  attempts: num(r.attempts),
  lastAttemptAt: dateOrNull(r.last_attempt_at),
  retryAt: dateOrNull(r.retry_at),
  errorMessage: text(r.error_message),
  heldByJobId: numOrNull(r.held_by_job_id),
  heldByAttempt: numOrNull(r.held_by_attempt),
  heldByWorker: text(r.held_by_worker),
  createdAt: date(r.created_at),
  updatedAt: date(r.updated_at),
});

export const dedupeFromRow = (r: Row): DedupeMarker => ({
  documentKey: r.document_key as string,
  scanId: numOrNull(r.scan_id),
  rowId: numOrNull(r.row_id),
  printedAt: date(r.printed_at),
});

/** An SQL list of string literals is passed as one jsonb array: `x in (select jsonb_array_elements_text(...))`. */
export const jsonList = (values: readonly (string | number)[]) => JSON.stringify(values);

/** One bigint[] parameter (drizzle would expand a JS array into a parameter list). */
export const bigintArray = (values: readonly number[]) => sql`${`{${values.join(',')}}`}::bigint[]`;
