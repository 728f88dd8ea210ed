// The seed's recovery tools as audited mutations: each records its actor and reason.
import { actorOf } from '../../api/context.ts';
import { ForbiddenError, GovernorBusyError, InvalidInputError, NotFoundError } from '../../services/errors.ts';
import { clearAllExportTables, CLEAR_ALL_CONFIRMATION, type ClearAllReport } from '../../services/print/clearAllExportTables.ts';
import { detectStuckPrinter, type StuckPrinterReport } from '../../services/print/detectStuckPrinter.ts';
import { forgetPrintedDocuments, type ForgetReport } from '../../services/print/forgetPrintedDocuments.ts';
import { healPrintLocks, type HealReport } from '../../services/print/healPrintLocks.ts';
import type { PrintPurgeCounts } from '../../services/print/purgeFinishedScans.ts';
import { requeueExportRows, type RequeueReport } from '../../services/print/requeueExportRows.ts';
import { runPrintMaintenance, type MaintenanceFinding, type MaintenanceReport } from '../../services/print/runPrintMaintenance.ts';
import { builder } from '../../schema/builder.ts';
import { JobRef } from '../../schema/engine/job.ts';
import { commonErrors } from '../../schema/errors.ts';
import { numericId, optionalId } from '../../schema/print/ids.ts';
import { PrintGovernorRef } from '../../schema/print/types.ts';

const StuckPrinterReportRef = builder.objectRef<StuckPrinterReport>('StuckPrinterReport').implement({
  fields: (t) => ({
    stuck: t.exposeBoolean('stuck'),
    reason: t.exposeString('reason'),
    dryRun: t.exposeBoolean('dryRun'),
    cycle: t.field({ type: JobRef, nullable: true, description: 'The cycle job found holding the governor, as it is after recovery.', resolve: (r) => r.cycle }),
    rowsReset: t.exposeInt('rowsReset', { description: 'Processing rows of the cycle set to failed_export.' }),
    pendingCleared: t.exposeBoolean('pendingCleared'),
    governorReleased: t.exposeBoolean('governorReleased'),
  }),
});

const HealReportRef = builder.objectRef<HealReport>('PrintLockHealReport').implement({
  fields: (t) => ({
    released: t.exposeBoolean('released'),
    reason: t.exposeString('reason'),
    governor: t.field({ type: PrintGovernorRef, resolve: (r) => r.governor }),
  }),
});

const FindingRef = builder.objectRef<MaintenanceFinding>('PrintMaintenanceFinding').implement({
  fields: (t) => ({
    kind: t.exposeString('kind', { description: 'print.stuckScan, print.stuckSlice, print.stuckPrinter or print.rowsWithoutCycle: also the alert kind.' }),
    targetType: t.exposeString('targetType'),
    targetId: t.exposeString('targetId'),
    message: t.exposeString('message'),
  }),
});

const PurgeCountsRef = builder.objectRef<PrintPurgeCounts>('PrintPurgeCounts').implement({
  description: 'Finished scan trees purged by retentionPrintScansDays: the scans and their slices, batches and lane rows.',
  fields: (t) => ({
    scans: t.exposeInt('scans'),
    slices: t.exposeInt('slices'),
    batches: t.exposeInt('batches'),
    rows: t.exposeInt('rows'),
  }),
});

const MaintenanceReportRef = builder.objectRef<MaintenanceReport>('PrintMaintenanceReport').implement({
  fields: (t) => ({
    dryRun: t.exposeBoolean('dryRun'),
    findings: t.field({ type: [FindingRef], resolve: (r) => r.findings }),
    cycleRequested: t.exposeBoolean('cycleRequested'),
    purged: t.field({ type: PurgeCountsRef, description: 'What the retention purge deleted; in a dry run, all it would delete now.', resolve: (r) => r.purged }),
  }),
});

const ForgetReportRef = builder.objectRef<ForgetReport>('ForgetPrintedDocumentsReport').implement({
  fields: (t) => ({
    scanId: t.exposeID('scanId'),
    markersDeleted: t.exposeInt('markersDeleted', { description: 'Dedupe markers deleted: those documents are printable again.' }),
    keysWithoutMarker: t.exposeStringList('keysWithoutMarker', { description: 'Of documentKeys, those with no marker of this scan.' }),
  }),
});

const RequeueReportRef = builder.objectRef<RequeueReport>('RequeueExportRowsReport').implement({
  fields: (t) => ({
    requeued: t.exposeInt('requeued'),
    batchesReopened: t.exposeInt('batchesReopened'),
    slicesReopened: t.exposeInt('slicesReopened'),
    scansReopened: t.exposeInt('scansReopened'),
  }),
});

const ClearAllReportRef = builder.objectRef<ClearAllReport>('ClearAllExportTablesReport').implement({
  description: 'What was deleted.',
  fields: (t) => ({
    scans: t.exposeInt('scans'),
    slices: t.exposeInt('slices'),
    batches: t.exposeInt('batches'),
    rows: t.exposeInt('rows'),
    dedupeMarkers: t.exposeInt('dedupeMarkers'),
    pendingCycleCleared: t.exposeBoolean('pendingCycleCleared'),
  }),
});

const RequeueFilter = builder.inputType('RequeueExportRowsFilter', {
  description: 'Which failed_export rows to requeue; every one when empty.',
  fields: (t) => ({
    lane: t.string({ required: false }),
    scanId: t.id({ required: false }),
    documentKey: t.string({ required: false }),
    errorContains: t.string({ required: false }),
  }),
});

builder.mutationFields((t) => ({
  detectStuckPrinter: t.field({
    type: StuckPrinterReportRef,
    description:
      'A print cycle whose worker is gone (lease expired) or without progress for printStuckAfterMs: resets its processing rows to failed_export, cancels it, clears IsPrinting and the pending cycle. dryRun only reports.',
    authScopes: { operator: true },
    errors: { types: commonErrors },
    args: { dryRun: t.arg.boolean({ required: false, defaultValue: false }), reason: t.arg.string({ required: true }) },
    resolve: (_root, args, context) => detectStuckPrinter(context.services, { dryRun: args.dryRun ?? false }, actorOf(context, args.reason)),
  }),
  healPrintLocks: t.field({
    type: HealReportRef,
    description: 'Releases the print governor when no print cycle is active.',
    authScopes: { operator: true },
    errors: { types: commonErrors },
    args: { reason: t.arg.string({ required: true }) },
    resolve: (_root, args, context) => healPrintLocks(context.services, actorOf(context, args.reason)),
  }),
  runPrintMaintenance: t.field({
    type: MaintenanceReportRef,
    description:
      'Detects stuck scans, slices and print cycles, and queued rows without a cycle: raises alerts (and asks for a cycle); purges finished scan trees older than retentionPrintScansDays. dryRun only reports.',
    authScopes: { operator: true },
    errors: { types: commonErrors },
    args: { dryRun: t.arg.boolean({ required: false, defaultValue: false }), reason: t.arg.string({ required: true }) },
    resolve: (_root, args, context) => runPrintMaintenance(context.services, { dryRun: args.dryRun ?? false }, actorOf(context, args.reason)),
  }),
  requeueExportRows: t.field({
    type: RequeueReportRef,
    description: 'Puts failed_export rows matching the filter back to queued (attempts from 0), reopening their batches, slices and scans, and asks for a print cycle.',
    authScopes: { operator: true },
    errors: { types: commonErrors },
    args: { filter: t.arg({ type: RequeueFilter, required: false }), reason: t.arg.string({ required: true }) },
    resolve: (_root, args, context) => {
      const f = args.filter ?? {};
      return requeueExportRows(
        context.services,
        { lane: (f.lane ?? null) as never, scanId: optionalId(f.scanId, 'filter.scanId'), documentKey: f.documentKey ?? null, errorContains: f.errorContains ?? null },
        actorOf(context, args.reason),
      );
    },
  }),
  forgetPrintedDocuments: t.field({
    type: ForgetReportRef,
    description:
      "Deletes the dedupe markers the scan's rows recorded (or only those of documentKeys), so those documents can be printed again by a later scan (the production lane's recurring scan prints them within a minute). The scan and its rows stay. Refused while a print cycle holds rows of the scan.",
    authScopes: { operator: true },
    errors: { types: [...commonErrors, NotFoundError, GovernorBusyError] },
    args: { scanId: t.arg.id({ required: true }), documentKeys: t.arg.stringList({ required: false }), reason: t.arg.string({ required: true }) },
    resolve: (_root, args, context) =>
      forgetPrintedDocuments(context.services, { scanId: numericId(args.scanId, 'scanId'), documentKeys: args.documentKeys ?? null }, actorOf(context, args.reason)),
  }),
  clearAllExportTables: t.field({
    type: ClearAllReportRef,
    description: `Destructive: deletes every scan, slice, batch, lane row and dedupe marker (documents and scopes stay). Admin only; confirmation must be "${CLEAR_ALL_CONFIRMATION}"; refused in production mode and while a cycle prints.`,
    authScopes: { admin: true },
    errors: { types: [ForbiddenError, InvalidInputError, GovernorBusyError] },
    args: { confirmation: t.arg.string({ required: true }), reason: t.arg.string({ required: true }) },
    resolve: (_root, args, context) => clearAllExportTables(context.services, args.confirmation, actorOf(context, args.reason)),
  }),
}));
