// Production tracking's mutations: devices record events (the ingest role may do this and
// nothing else), operators load reference data, process and reprocess.
import { actorOf } from '../../api/context.ts';
import { GovernorBusyError } from '../../services/errors.ts';
import { recordPrintOsEvents, recordScans, MAX_INGEST_BATCH } from '../../services/tracking/ingest.ts';
import { upsertTrackingReference } from '../../services/tracking/referenceData.ts';
import { processStatusUpdates, reprocessRejects, reprocessTracking } from '../../services/tracking/runs.ts';
import { builder } from '../../schema/builder.ts';
import { commonErrors } from '../../schema/errors.ts';
import {
  IngestResultRef,
  ProcessRunRef,
  QueuedRef,
  ReferenceCountsRef,
  TrackingSourceChoice,
  TrackingSourceEnum,
} from '../../schema/tracking/types.ts';

const PrintOsEventInput = builder.inputType('PrintOsEventInput', {
  fields: (t) => ({
    device: t.string({ required: false, description: 'The press; with marker, the source key (default print-os)' }),
    marker: t.float({ required: true, description: "The press's sequential number" }),
    impositionId: t.string({ required: true, description: "Print OS's name field" }),
    status: t.string({ required: true, description: 'PRINTED or ABORTED' }),
    jobName: t.string({ required: false }),
    itemId: t.string({ required: false }),
    completeTime: t.string({ required: true, description: 'ISO date-time the print completed or aborted' }),
    copies: t.int({ required: false }),
    payload: t.field({ type: 'JSON', required: false }),
  }),
});

const ScanInput = builder.inputType('ScanInput', {
  fields: (t) => ({
    scanId: t.string({ required: true, description: "The scanner's id of the scan: the source key" }),
    codeText: t.string({ required: true, description: 'A runlist id or <job id>_<version tag>' }),
    scannedAt: t.string({ required: true, description: 'ISO date-time' }),
    machineId: t.string({ required: false }),
    userId: t.string({ required: false }),
    operations: t.field({ type: 'JSON', required: true, description: '["coating", "kiss_cut"] or {"coating": true}' }),
    metadata: t.field({ type: 'JSON', required: false }),
  }),
});

const ReferenceInput = builder.inputType('TrackingReferenceInput', {
  description: 'Reference data to upsert; every section is optional.',
  fields: (t) => ({
    productionJobs: t.field({ type: ['JSON'], required: false, description: '{jobId, versionTag, name, dueDate}' }),
    operations: t.field({ type: ['JSON'], required: false, description: '{operationId, name, sequenceOrder, required}' }),
    jobOperations: t.field({ type: ['JSON'], required: false, description: '{jobId, operationId, sequenceOrder?, required?}' }),
    impositions: t.field({ type: ['JSON'], required: false, description: '{impositionId, fileIds, operationIds}' }),
    runlists: t.field({ type: ['JSON'], required: false, description: '{runlistId, impositionIds}' }),
  }),
});

/** GraphQL's null is "not given" for the services' optional fields. */
const withoutNulls = (value: Record<string, unknown>) => Object.fromEntries(Object.entries(value).filter(([, v]) => v !== null && v !== undefined));

builder.mutationFields((t) => ({
  recordPrintOsEvents: t.field({
    type: IngestResultRef,
    description: `Stores press events (at most ${MAX_INGEST_BATCH} per call); one per press and marker however often sent. A processing run follows soon.`,
    authScopes: { ingest: true },
    errors: { types: commonErrors },
    args: { events: t.arg({ type: [PrintOsEventInput], required: true }) },
    resolve: (_root, { events }, context) => recordPrintOsEvents(context.services, events.map(withoutNulls) as never, actorOf(context)),
  }),
  recordScans: t.field({
    type: IngestResultRef,
    description: `Stores scans (at most ${MAX_INGEST_BATCH} per call); one per scan id however often sent. A processing run follows soon.`,
    authScopes: { ingest: true },
    errors: { types: commonErrors },
    args: { scans: t.arg({ type: [ScanInput], required: true }) },
    resolve: (_root, { scans }, context) => recordScans(context.services, scans.map(withoutNulls) as never, actorOf(context)),
  }),
  upsertTrackingReference: t.field({
    type: ReferenceCountsRef,
    description: 'Upserts production jobs, the operation catalogue, job operations, impositions with their files, runlists. Idempotent.',
    authScopes: { operator: true },
    errors: { types: commonErrors },
    args: { input: t.arg({ type: ReferenceInput, required: true }), reason: t.arg.string({ required: false }) },
    resolve: (_root, args, context) => upsertTrackingReference(context.services, withoutNulls(args.input) as never, actorOf(context, args.reason)),
  }),
  processStatusUpdates: t.field({
    type: ProcessRunRef,
    description: 'Processes what waits now, per source. GovernorBusyError: that source is being processed already.',
    authScopes: { operator: true },
    errors: { types: [...commonErrors, GovernorBusyError] },
    args: { source: t.arg({ type: TrackingSourceChoice, required: false, defaultValue: 'both' }) },
    resolve: (_root, args, context) => processStatusUpdates(context.services, args.source ?? 'both', actorOf(context)),
  }),
  reprocessTracking: t.field({
    type: QueuedRef,
    description: "Every record of the source from fromMarker on is processed again, and the marker goes back. Changes nothing a first pass did not (admin).",
    authScopes: { admin: true },
    errors: { types: commonErrors },
    args: {
      source: t.arg({ type: TrackingSourceEnum, required: true }),
      fromMarker: t.arg.int({ required: true }),
      reason: t.arg.string({ required: false }),
    },
    resolve: (_root, args, context) => reprocessTracking(context.services, { source: args.source, fromMarker: args.fromMarker }, actorOf(context, args.reason)),
  }),
  reprocessRejects: t.field({
    type: QueuedRef,
    description: 'Rejected records matching the filter are processed again (after the reference data was fixed).',
    authScopes: { operator: true },
    errors: { types: commonErrors },
    args: {
      source: t.arg({ type: TrackingSourceEnum, required: false }),
      reasonContains: t.arg.string({ required: false }),
      recordIds: t.arg.intList({ required: false }),
      reason: t.arg.string({ required: false }),
    },
    resolve: (_root, args, context) =>
      reprocessRejects(context.services, withoutNulls({ source: args.source, reasonContains: args.reasonContains, recordIds: args.recordIds }), actorOf(context, args.reason)),
  }),
}));
