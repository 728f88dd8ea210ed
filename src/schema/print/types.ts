// The print pipeline's GraphQL types (seed 000): documents, scan scopes, scans with counts,
// slices, batches, lane rows, lanes, the print governor, dedupe markers.
import type { LaneState } from '../../services/print/lanes.ts';
import {
  BATCH_STATUSES,
  ROW_STATUSES,
  SCAN_STATUSES,
  SLICE_STATUSES,
  type Batch,
  type DedupeMarker,
  type ExportRow,
  type PrintDocument,
  type Scan,
  type ScanScope,
  type Slice,
} from '../../services/print/model.ts';
import type { PrintGovernorState } from '../../services/print/printGovernor.ts';
import type { StatusCounts } from '../../services/print/reads.ts';
import { builder } from '../builder.ts';
import { JobRef } from '../engine/job.ts';
import { printLoaders } from './loaders.ts';

export const ScanStatusEnum = builder.enumType('PrintScanStatus', { values: SCAN_STATUSES });
export const SliceStatusEnum = builder.enumType('PrintSliceStatus', { values: SLICE_STATUSES });
export const BatchStatusEnum = builder.enumType('PrintBatchStatus', { values: BATCH_STATUSES });
export const RowStatusEnum = builder.enumType('PrintRowStatus', {
  description: 'queued → processing → exported | failed_export; cancelled when its scan is cancelled.',
  values: ROW_STATUSES,
});

export const PrintDocumentRef = builder.objectRef<PrintDocument>('PrintDocument').implement({
  description: 'What gets printed: a stable key, a type, a customer, its content (inline or a file).',
  fields: (t) => ({
    id: t.exposeID('id'),
    key: t.exposeString('key'),
    type: t.exposeString('type'),
    customer: t.exposeString('customer'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    sizeBytes: t.exposeInt('sizeBytes', { description: 'Size of the inline content; 0 for a document whose content is a file.' }),
    hasContentFile: t.boolean({ resolve: (doc) => doc.contentPath !== null }),
    submittedBy: t.exposeString('submittedBy'),
    submittedAt: t.expose('submittedAt', { type: 'DateTime' }),
  }),
});

export const ScanScopeRef = builder.objectRef<ScanScope>('PrintScanScope').implement({
  description: 'A lane and a selection of documents; each scan of it snapshots the matching documents not yet printed.',
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
    lane: t.exposeString('lane', { description: 'production or historical' }),
    documentType: t.exposeString('documentType', { nullable: true }),
    customer: t.exposeString('customer', { nullable: true }),
    createdFrom: t.expose('createdFrom', { type: 'DateTime', nullable: true }),
    createdTo: t.expose('createdTo', { type: 'DateTime', nullable: true }),
    createdBy: t.exposeString('createdBy'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
});

/** Counts by status of one level of a scan (slices, batches or rows). */
const StatusCountRef = builder.objectRef<{ status: string; count: number }>('PrintStatusCount').implement({
  fields: (t) => ({ status: t.exposeString('status'), count: t.exposeInt('count') }),
});
const countsList = (counts: StatusCounts) => Object.entries(counts).map(([status, count]) => ({ status, count }));

const ScanCountsRef = builder.objectRef<{ slices: StatusCounts; batches: StatusCounts; rows: StatusCounts }>('PrintScanCounts').implement({
  description: 'A scan\'s slices, batches and lane rows counted by status (statuses with none are left out).',
  fields: (t) => ({
    slices: t.field({ type: [StatusCountRef], resolve: (c) => countsList(c.slices) }),
    batches: t.field({ type: [StatusCountRef], resolve: (c) => countsList(c.batches) }),
    rows: t.field({ type: [StatusCountRef], resolve: (c) => countsList(c.rows) }),
  }),
});

export const ScanRef = builder.objectRef<Scan>('PrintScan').implement({
  description: 'ScanCtrl: pending → running → completed (or failed / cancelled). Completed once all its slices are.',
  fields: (t) => ({
    id: t.exposeID('id'),
    scopeName: t.exposeString('scopeName'),
    lane: t.exposeString('lane'),
    selection: t.expose('selection', { type: 'JSON', description: 'The scope\'s selection when the scan started.' }),
    status: t.field({ type: ScanStatusEnum, resolve: (s) => s.status }),
    documentsTotal: t.exposeInt('documentsTotal'),
    slicesTotal: t.exposeInt('slicesTotal'),
    counts: t.field({ type: ScanCountsRef, resolve: (s, _args, context) => printLoaders(context).scanCounts.load(s.id) }),
    error: t.exposeString('error', { nullable: true }),
    job: t.field({ type: JobRef, nullable: true, description: 'The scan job.', resolve: (s, _args, context) => (s.jobId ? context.loaders.job.load(s.jobId) : null) }),
    createdBy: t.exposeString('createdBy'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    startedAt: t.expose('startedAt', { type: 'DateTime', nullable: true }),
    finishedAt: t.expose('finishedAt', { type: 'DateTime', nullable: true }),
  }),
});

export const SliceRef = builder.objectRef<Slice>('PrintSlice').implement({
  description: 'SliceCtrl: pending → running → enqueued → completed (or cancelled). A slice of a paused lane stays pending.',
  fields: (t) => ({
    id: t.exposeID('id'),
    scanId: t.exposeID('scanId'),
    lane: t.exposeString('lane'),
    position: t.exposeInt('position'),
    documentsTotal: t.exposeInt('documentsTotal'),
    batchesTotal: t.exposeInt('batchesTotal'),
    status: t.field({ type: SliceStatusEnum, resolve: (s) => s.status }),
    job: t.field({ type: JobRef, nullable: true, resolve: (s, _args, context) => (s.jobId ? context.loaders.job.load(s.jobId) : null) }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    startedAt: t.expose('startedAt', { type: 'DateTime', nullable: true }),
    finishedAt: t.expose('finishedAt', { type: 'DateTime', nullable: true }),
  }),
});

export const BatchRef = builder.objectRef<Batch>('PrintBatch').implement({
  description: 'BatchCtrl: pending → completed once none of its rows is queued or processing (or cancelled with its scan).',
  fields: (t) => ({
    id: t.exposeID('id'),
    sliceId: t.exposeID('sliceId'),
    scanId: t.exposeID('scanId'),
    lane: t.exposeString('lane'),
    status: t.field({ type: BatchStatusEnum, resolve: (b) => b.status }),
    rowsTotal: t.exposeInt('rowsTotal'),
    rowCounts: t.field({ type: [StatusCountRef], resolve: async (b, _args, context) => countsList(await printLoaders(context).batchRowCounts.load(b.id)) }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    finishedAt: t.expose('finishedAt', { type: 'DateTime', nullable: true }),
  }),
});

export const ExportRowRef = builder.objectRef<ExportRow>('PrintExportRow').implement({
  description: 'A lane row (DocExportProdQueue / DocExportHistQueue): one document to print in its lane.',
  fields: (t) => ({
    id: t.exposeID('id'),
    lane: t.exposeString('lane'),
    status: t.field({ type: RowStatusEnum, resolve: (r) => r.status }),
    documentKey: t.exposeString('documentKey'),
    scanId: t.exposeID('scanId'),
    sliceId: t.exposeID('sliceId'),
    batchId: t.exposeID('batchId'),
    attempts: t.exposeInt('attempts'),
    lastAttemptAt: t.expose('lastAttemptAt', { type: 'DateTime', nullable: true }),
    retryAt: t.expose('retryAt', { type: 'DateTime', nullable: true, description: 'A row that failed transiently waits until then.' }),
    errorMessage: t.exposeString('errorMessage', { nullable: true }),
    heldByJobId: t.exposeID('heldByJobId', { nullable: true, description: 'The print cycle job that holds (or last held) the row: the seed\'s SPID.' }),
    heldByWorker: t.exposeString('heldByWorker', { nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
});

const LaneCountsRef = builder.objectRef<LaneState['counts']>('PrintLaneCounts').implement({
  fields: (t) => ({
    queued: t.exposeInt('queued'),
    processing: t.exposeInt('processing'),
    exported: t.exposeInt('exported'),
    failedExport: t.exposeInt('failed_export'),
    cancelled: t.exposeInt('cancelled'),
  }),
});

export const LaneStateRef = builder.objectRef<LaneState>('PrintLane').implement({
  description: 'A lane: paused (who, why, when) and its rows counted by status (kept as rows change: cheap to read).',
  fields: (t) => ({
    lane: t.exposeString('lane'),
    paused: t.exposeBoolean('paused'),
    pausedBy: t.exposeString('pausedBy', { nullable: true }),
    pausedReason: t.exposeString('pausedReason', { nullable: true }),
    pausedAt: t.expose('pausedAt', { type: 'DateTime', nullable: true }),
    counts: t.expose('counts', { type: LaneCountsRef }),
  }),
});

export const PrintGovernorRef = builder.objectRef<PrintGovernorState>('PrintGovernor').implement({
  description: 'The print governor (seed 000\'s PrintGovernorState): the engine governor `print`.',
  fields: (t) => ({
    isPrinting: t.exposeBoolean('isPrinting', { description: 'A print cycle holds the governor.' }),
    pendingPrintCycle: t.exposeBoolean('pendingPrintCycle', { description: 'A cycle was asked for while one ran: exactly one more follows it.' }),
    lastPrintScheduleAt: t.expose('lastPrintScheduleAt', { type: 'DateTime', nullable: true }),
    holder: t.exposeString('holder', { nullable: true }),
    leaseExpiresAt: t.expose('leaseExpiresAt', { type: 'DateTime', nullable: true }),
    currentCycle: t.field({ type: JobRef, nullable: true, description: 'The print cycle job holding the governor, with its progress.', resolve: (g) => g.currentCycle }),
  }),
});

export const DedupeMarkerRef = builder.objectRef<DedupeMarker>('PrintDedupeMarker').implement({
  description: 'The document was printed: a cycle skips it from now on.',
  fields: (t) => ({
    documentKey: t.exposeString('documentKey'),
    scanId: t.exposeID('scanId', { nullable: true }),
    rowId: t.exposeID('rowId', { nullable: true }),
    printedAt: t.expose('printedAt', { type: 'DateTime' }),
  }),
});
