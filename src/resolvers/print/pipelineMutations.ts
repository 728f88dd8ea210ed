// Print pipeline mutations an operator drives: submit documents, manage scan scopes, start and
// cancel scans, pause and resume lanes, ask for a print cycle. Each is in the history with its actor.
import { actorOf } from '../../api/context.ts';
import type { Job } from '../../services/engine/types.ts';
import { GovernorBusyError, NotFoundError } from '../../services/errors.ts';
import { submitDocuments, type DocumentInput as DocumentInputValue, type SubmissionResult } from '../../services/print/documents.ts';
import { PrintTransitionError } from '../../services/print/errors.ts';
import { pausePrintLane, resumePrintLane } from '../../services/print/lanes.ts';
import { requestPrintCycle } from '../../services/print/requestPrintCycle.ts';
import { cancelScan, startScan } from '../../services/print/scans.ts';
import { createScanScope, deleteScanScope, updateScanScope } from '../../services/print/scopes.ts';
import { builder } from '../../schema/builder.ts';
import { JobRef } from '../../schema/engine/job.ts';
import { commonErrors } from '../../schema/errors.ts';
import { numericId } from '../../schema/print/ids.ts';
import { LaneStateRef, PrintDocumentRef, ScanRef, ScanScopeRef } from '../../schema/print/types.ts';
import '../../schema/print/errors.ts';

const DocumentInput = builder.inputType('PrintDocumentInput', {
  description: 'Give exactly one of content (text), contentBase64 (bytes) or contentPath (a file the printer reads). Inline content: at most 1 MiB.',
  fields: (t) => ({
    key: t.string({ required: true, description: 'Stable and unique: submitting a key again changes nothing.' }),
    type: t.string({ required: true }),
    customer: t.string({ required: true }),
    createdAt: t.field({ type: 'DateTime', required: false, description: 'Defaults to now.' }),
    content: t.string({ required: false }),
    contentBase64: t.string({ required: false }),
    contentPath: t.string({ required: false }),
  }),
});

const ScopeInput = builder.inputType('PrintScanScopeInput', {
  description: 'A scope must select something: a document type, a customer, or a created range.',
  fields: (t) => ({
    lane: t.string({ required: false, description: 'production or historical (required when creating)' }),
    documentType: t.string({ required: false }),
    customer: t.string({ required: false }),
    createdFrom: t.field({ type: 'DateTime', required: false }),
    createdTo: t.field({ type: 'DateTime', required: false }),
  }),
});

const SubmitResultRef = builder.objectRef<SubmissionResult>('SubmitDocumentsResult').implement({
  fields: (t) => ({
    created: t.field({ type: [PrintDocumentRef], resolve: (r) => r.created }),
    createdCount: t.int({ resolve: (r) => r.created.length }),
    existingKeys: t.stringList({ description: 'Keys submitted before: nothing was changed for them.', resolve: (r) => r.existingKeys }),
  }),
});

const CycleRequestRef = builder.objectRef<{ job: Job | null; pending: boolean }>('PrintCycleRequest').implement({
  fields: (t) => ({
    job: t.field({ type: JobRef, nullable: true, description: 'The cycle job enqueued now (or the one already waiting), when no cycle was running.', resolve: (r) => r.job }),
    pending: t.exposeBoolean('pending', { description: 'A cycle was running: the pending flag is set, and exactly one more cycle follows it.' }),
  }),
});

/** Drops fields given as null where null means "left out". */
const given = <T extends Record<string, unknown>>(input: T) => Object.fromEntries(Object.entries(input).filter(([, v]) => v !== null && v !== undefined)) as { [K in keyof T]?: Exclude<T[K], null> };

builder.mutationFields((t) => ({
  submitDocuments: t.field({
    type: SubmitResultRef,
    description: 'Adds documents (at most 5000 at a time). A key submitted before is reported in existingKeys, never duplicated.',
    authScopes: { operator: true },
    errors: { types: commonErrors },
    args: { documents: t.arg({ type: [DocumentInput], required: true }), reason: t.arg.string({ required: false }) },
    resolve: (_root, args, context) => submitDocuments(context.services, args.documents.map((doc) => given(doc) as DocumentInputValue), actorOf(context, args.reason)),
  }),
  createPrintScanScope: t.field({
    type: ScanScopeRef,
    authScopes: { operator: true },
    errors: { types: commonErrors },
    args: { name: t.arg.string({ required: true }), input: t.arg({ type: ScopeInput, required: true }), reason: t.arg.string({ required: false }) },
    resolve: (_root, args, context) => createScanScope(context.services, { name: args.name, ...given(args.input) } as never, actorOf(context, args.reason)),
  }),
  updatePrintScanScope: t.field({
    type: ScanScopeRef,
    description: 'Changes the fields given; `clear` lists criteria to remove (documentType, customer, createdFrom, createdTo).',
    authScopes: { operator: true },
    errors: { types: [...commonErrors, NotFoundError] },
    args: {
      name: t.arg.string({ required: true }),
      input: t.arg({ type: ScopeInput, required: true }),
      clear: t.arg.stringList({ required: false }),
      reason: t.arg.string({ required: false }),
    },
    resolve: (_root, args, context) =>
      updateScanScope(
        context.services,
        args.name,
        { ...given(args.input), ...Object.fromEntries((args.clear ?? []).map((field) => [field, null])) } as never,
        actorOf(context, args.reason),
      ),
  }),
  deletePrintScanScope: t.field({
    type: ScanScopeRef,
    description: 'Deletes a scope with no live scan; its scans stay.',
    authScopes: { operator: true },
    errors: { types: [...commonErrors, NotFoundError] },
    args: { name: t.arg.string({ required: true }), reason: t.arg.string({ required: false }) },
    resolve: (_root, args, context) => deleteScanScope(context.services, args.name, actorOf(context, args.reason)),
  }),
  startPrintScan: t.field({
    type: ScanRef,
    description: 'Starts a scan of the scope: it snapshots the matching documents not yet printed into slices.',
    authScopes: { operator: true },
    errors: { types: [...commonErrors, NotFoundError] },
    args: { scope: t.arg.string({ required: true }), reason: t.arg.string({ required: false }) },
    resolve: (_root, args, context) => startScan(context.services, args.scope, actorOf(context, args.reason)),
  }),
  cancelPrintScan: t.field({
    type: ScanRef,
    description: 'Cancels a pending or running scan: its unfinished slices and batches are cancelled, its queued rows become cancelled.',
    authScopes: { operator: true },
    errors: { types: [...commonErrors, NotFoundError, PrintTransitionError] },
    args: { id: t.arg.id({ required: true }), reason: t.arg.string({ required: true }) },
    resolve: (_root, args, context) => cancelScan(context.services, numericId(args.id, 'id'), actorOf(context, args.reason)),
  }),
  pausePrintLane: t.field({
    type: LaneStateRef,
    description: 'Pauses a lane (production or historical): its slices wait, print cycles skip its rows. The other lane goes on.',
    authScopes: { operator: true },
    errors: { types: commonErrors },
    args: { lane: t.arg.string({ required: true }), reason: t.arg.string({ required: true }) },
    resolve: (_root, args, context) => pausePrintLane(context.services, args.lane, actorOf(context, args.reason)),
  }),
  resumePrintLane: t.field({
    type: LaneStateRef,
    description: 'Resumes a lane: its slices start and a print cycle is asked for.',
    authScopes: { operator: true },
    errors: { types: commonErrors },
    args: { lane: t.arg.string({ required: true }), reason: t.arg.string({ required: true }) },
    resolve: (_root, args, context) => resumePrintLane(context.services, args.lane, actorOf(context, args.reason)),
  }),
  requestPrintCycle: t.field({
    type: CycleRequestRef,
    description: 'The seed\'s notifyBatchReady: starts a print cycle, or, while one runs, sets the pending flag (one more cycle after it).',
    authScopes: { operator: true },
    errors: { types: [...commonErrors, GovernorBusyError] },
    args: { reason: t.arg.string({ required: false }) },
    resolve: (_root, args, context) => requestPrintCycle(context.services, actorOf(context, args.reason)),
  }),
}));
