// Production tracking's GraphQL types (seed 001). A ProductionJob is the shop's job (4604_5889),
// not an engine Job.
import type { IngestResult } from '../../services/tracking/ingest.ts';
import type { ImpositionView, RunlistView } from '../../services/tracking/readJobs.ts';
import type { ReferenceCounts } from '../../services/tracking/referenceData.ts';
import type { OperationState, PrintOsEvent, ProcessOutcome, ProductionJob, RecordOutcome, Scan, StatusUpdate, TrackingMarker } from '../../services/tracking/types.ts';
import { builder } from '../builder.ts';

export const TrackingSourceEnum = builder.enumType('TrackingSource', {
  description: 'Where a tracking record comes from: the press (Print OS) or a floor scanner.',
  values: { PRINT_OS: { value: 'print_os' }, SCANNER: { value: 'scanner' } } as const,
});

export const TrackingSourceChoice = builder.enumType('TrackingSourceChoice', {
  values: { BOTH: { value: 'both' }, PRINT_OS: { value: 'print_os' }, SCANNER: { value: 'scanner' } } as const,
});

export const OperationStatusEnum = builder.enumType('OperationStatus', {
  description: 'completed: done; partial: some of the files printed; aborted: the press aborted the print.',
  values: { COMPLETED: { value: 'completed' }, PARTIAL: { value: 'partial' }, ABORTED: { value: 'aborted' } } as const,
});

export const RecordStateEnum = builder.enumType('TrackingRecordState', {
  values: { WAITING: { value: 'waiting' }, PROCESSED: { value: 'processed' }, REJECTED: { value: 'rejected' } } as const,
});

export const ProductionOperationRef = builder.objectRef<OperationState>('ProductionOperation').implement({
  description: "An operation of a production job or an imposition, with the result kept (the most recent event's).",
  fields: (t) => ({
    operationId: t.exposeString('operationId'),
    name: t.exposeString('name', { description: 'From the operation catalogue: print, coating, kiss_cut, ...' }),
    sequenceOrder: t.exposeInt('sequenceOrder'),
    required: t.exposeBoolean('required'),
    status: t.expose('status', { type: OperationStatusEnum, nullable: true, description: 'null while nothing was reported' }),
    done: t.exposeBoolean('done'),
    completedAt: t.expose('completedAt', { type: 'DateTime', nullable: true, description: "The kept result's event time" }),
    completedBy: t.expose('completedBy', { type: TrackingSourceEnum, nullable: true }),
    sourceId: t.exposeID('sourceId', { nullable: true, description: 'The record (Print OS event or scan id in Pressroom) that set it' }),
    notes: t.exposeString('notes', { nullable: true }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
});

export const StatusUpdateRef = builder.objectRef<StatusUpdate>('ProductionStatusUpdate').implement({
  description: 'What one record said about one operation of a production job; applied is false when a newer result was kept.',
  fields: (t) => ({
    id: t.exposeID('id'),
    sourceType: t.expose('sourceType', { type: TrackingSourceEnum }),
    sourceId: t.exposeID('sourceId'),
    operationId: t.exposeString('operationId'),
    status: t.expose('status', { type: OperationStatusEnum }),
    notes: t.exposeString('notes', { nullable: true }),
    eventAt: t.expose('eventAt', { type: 'DateTime' }),
    applied: t.exposeBoolean('applied'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

export const ImpositionRef = builder.objectRef<ImpositionView>('Imposition');
export const RunlistRef = builder.objectRef<RunlistView>('Runlist');
export const ProductionJobRef = builder.objectRef<ProductionJob>('ProductionJob');

export const RecordOutcomeRef = builder.objectRef<RecordOutcome>('TrackingRecordOutcome').implement({
  fields: (t) => ({
    state: t.field({ type: RecordStateEnum, resolve: (o) => o.outcome }),
    reason: t.exposeString('reason', { nullable: true, description: 'Why it was rejected' }),
    processedAt: t.expose('processedAt', { type: 'DateTime' }),
    attempts: t.exposeInt('attempts', { description: 'Times processed (reprocessing adds one)' }),
  }),
});

export const PrintOsEventRef = builder.objectRef<PrintOsEvent>('PrintOsEvent').implement({
  description: 'A press event as it arrived. Its id is the marker processing follows.',
  fields: (t) => ({
    id: t.exposeID('id'),
    device: t.exposeString('device'),
    marker: t.exposeFloat('marker', { description: "The press's own sequential number" }),
    impositionId: t.exposeString('impositionId'),
    status: t.exposeString('status', { description: 'PRINTED or ABORTED' }),
    jobName: t.exposeString('jobName', { nullable: true }),
    itemId: t.exposeString('itemId', { nullable: true }),
    completeTime: t.expose('completeTime', { type: 'DateTime' }),
    copies: t.exposeInt('copies', { nullable: true }),
    payload: t.expose('payload', { type: 'JSON', nullable: true }),
    receivedAt: t.expose('receivedAt', { type: 'DateTime' }),
    outcome: t.expose('outcome', { type: RecordOutcomeRef, nullable: true, description: 'null while waiting' }),
  }),
});

export const ScanRef = builder.objectRef<Scan>('Scan').implement({
  description: 'A scanned code as it arrived. Its id is the marker processing follows.',
  fields: (t) => ({
    id: t.exposeID('id'),
    scanId: t.exposeString('scanId'),
    codeText: t.exposeString('codeText'),
    scannedAt: t.expose('scannedAt', { type: 'DateTime' }),
    machineId: t.exposeString('machineId', { nullable: true }),
    userId: t.exposeString('userId', { nullable: true }),
    operations: t.expose('operations', { type: 'JSON' }),
    metadata: t.expose('metadata', { type: 'JSON', nullable: true }),
    receivedAt: t.expose('receivedAt', { type: 'DateTime' }),
    outcome: t.expose('outcome', { type: RecordOutcomeRef, nullable: true, description: 'null while waiting' }),
  }),
});

export const TrackingMarkerRef = builder.objectRef<TrackingMarker>('TrackingMarker').implement({
  description: "A source's processing marker and its lag.",
  fields: (t) => ({
    source: t.expose('source', { type: TrackingSourceEnum }),
    lastProcessedId: t.exposeFloat('lastProcessedId', { description: 'The highest record id processed' }),
    lastProcessedAt: t.expose('lastProcessedAt', { type: 'DateTime', nullable: true }),
    processedCount: t.exposeFloat('processedCount'),
    rejectedCount: t.exposeFloat('rejectedCount'),
    waiting: t.exposeInt('waiting', { description: 'Records stored and not processed yet' }),
    oldestWaitingAt: t.expose('oldestWaitingAt', { type: 'DateTime', nullable: true }),
    lagSeconds: t.exposeFloat('lagSeconds', { description: 'How long the oldest waiting record has waited' }),
    rejectsOpen: t.exposeInt('rejectsOpen', { description: 'Rejected records not processed since' }),
  }),
});

export const ProcessOutcomeRef = builder.objectRef<ProcessOutcome>('TrackingProcessOutcome').implement({
  fields: (t) => ({
    source: t.expose('source', { type: TrackingSourceEnum }),
    processed: t.exposeInt('processed'),
    rejected: t.exposeInt('rejected'),
    jobsUpdated: t.exposeInt('jobsUpdated', { description: 'Production jobs whose operations changed' }),
    lastMarker: t.exposeFloat('lastMarker'),
  }),
});

export const ProcessRunRef = builder.objectRef<ProcessOutcome[]>('TrackingProcessRun').implement({
  description: 'What a processing run did, per source and in all.',
  fields: (t) => ({
    sources: t.field({ type: [ProcessOutcomeRef], resolve: (outcomes) => outcomes }),
    processed: t.int({ resolve: (outcomes) => outcomes.reduce((sum, o) => sum + o.processed, 0) }),
    rejected: t.int({ resolve: (outcomes) => outcomes.reduce((sum, o) => sum + o.rejected, 0) }),
    jobsUpdated: t.int({ description: 'Production jobs whose operations changed, per source summed', resolve: (outcomes) => outcomes.reduce((sum, o) => sum + o.jobsUpdated, 0) }),
  }),
});

export const IngestResultRef = builder.objectRef<IngestResult>('IngestResult').implement({
  fields: (t) => ({
    recorded: t.exposeInt('recorded', { description: 'New records stored' }),
    duplicates: t.exposeInt('duplicates', { description: 'Records stored before (same source key): nothing changed' }),
  }),
});

export const ReferenceCountsRef = builder.objectRef<ReferenceCounts>('TrackingReferenceCounts').implement({
  fields: (t) => ({
    productionJobs: t.exposeInt('productionJobs'),
    operations: t.exposeInt('operations'),
    jobOperations: t.exposeInt('jobOperations'),
    impositions: t.exposeInt('impositions'),
    files: t.exposeInt('files'),
    runlistImpositions: t.exposeInt('runlistImpositions'),
  }),
});

export const QueuedRef = builder.objectRef<{ queued: number }>('TrackingReprocessResult').implement({
  fields: (t) => ({ queued: t.exposeInt('queued', { description: 'Records waiting again, for the run asked for' }) }),
});
