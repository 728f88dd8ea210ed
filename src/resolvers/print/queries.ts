// Print pipeline queries: lists with filters and keyset connections, single objects, lanes, the
// print governor, dedupe look-ups. Viewer keys read everything.
import { NotFoundError } from '../../services/errors.ts';
import { getDocumentByKey, listDocuments } from '../../services/print/documents.ts';
import { listLaneStates } from '../../services/print/lanes.ts';
import { getPrintGovernor } from '../../services/print/printGovernor.ts';
import { findDedupeMarker, getScan, listBatches, listExportRows, listScans, listSlices } from '../../services/print/reads.ts';
import { listScanScopes } from '../../services/print/scopes.ts';
import { builder } from '../../schema/builder.ts';
import { connectionOf, forwardPage } from '../../schema/pagination.ts';
import { numericId, optionalId } from '../../schema/print/ids.ts';
import {
  BatchRef,
  BatchStatusEnum,
  DedupeMarkerRef,
  ExportRowRef,
  LaneStateRef,
  PrintDocumentRef,
  PrintGovernorRef,
  RowStatusEnum,
  ScanRef,
  ScanScopeRef,
  ScanStatusEnum,
  SliceRef,
  SliceStatusEnum,
} from '../../schema/print/types.ts';

const DocumentFilter = builder.inputType('PrintDocumentFilter', {
  fields: (t) => ({
    keyPrefix: t.string({ required: false }),
    type: t.string({ required: false }),
    customer: t.string({ required: false }),
    createdFrom: t.field({ type: 'DateTime', required: false }),
    createdTo: t.field({ type: 'DateTime', required: false }),
  }),
});

const ScanFilter = builder.inputType('PrintScanFilter', {
  fields: (t) => ({
    status: t.field({ type: [ScanStatusEnum], required: false }),
    lane: t.string({ required: false }),
    scopeName: t.string({ required: false }),
  }),
});

export const ExportRowFilter = builder.inputType('PrintExportRowFilter', {
  fields: (t) => ({
    status: t.field({ type: [RowStatusEnum], required: false }),
    lane: t.string({ required: false, description: 'production or historical' }),
    scanId: t.id({ required: false }),
    sliceId: t.id({ required: false }),
    batchId: t.id({ required: false }),
    documentKey: t.string({ required: false }),
    errorContains: t.string({ required: false, description: 'Rows whose error message contains this text (any case).' }),
  }),
});

/** A page of the list, one row more than asked, as a connection keyed by `key`. */
async function page<T>(args: { first?: number | null; after?: string | null }, load: (p: { first: number; after: number | null }) => Promise<T[]>, key: (row: T) => number) {
  const p = forwardPage(args);
  return connectionOf(await load({ first: p.first + 1, after: p.after }), p, key);
}

builder.queryFields((t) => ({
  printDocuments: t.connection({
    type: PrintDocumentRef,
    description: 'Documents, newest first.',
    authScopes: { viewer: true },
    args: { filter: t.arg({ type: DocumentFilter, required: false }) },
    resolve: (_root, args, context) => page(args, (p) => listDocuments(context.services.db, args.filter ?? {}, p), (doc) => doc.id),
  }),
  printDocument: t.field({
    type: PrintDocumentRef,
    nullable: true,
    authScopes: { viewer: true },
    args: { key: t.arg.string({ required: true }) },
    resolve: (_root, args, context) => getDocumentByKey(context.services.db, args.key),
  }),
  printScanScopes: t.field({
    type: [ScanScopeRef],
    authScopes: { viewer: true },
    args: { lane: t.arg.string({ required: false }) },
    resolve: (_root, args, context) => listScanScopes(context.services.db, { lane: args.lane }),
  }),
  printScans: t.connection({
    type: ScanRef,
    description: 'Scans, newest first, each with its slice, batch and row counts by status.',
    authScopes: { viewer: true },
    args: { filter: t.arg({ type: ScanFilter, required: false }) },
    resolve: (_root, args, context) => page(args, (p) => listScans(context.services.db, args.filter ?? {}, p), (scan) => scan.id),
  }),
  printScan: t.field({
    type: ScanRef,
    nullable: true,
    authScopes: { viewer: true },
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, args, context) =>
      getScan(context.services.db, numericId(args.id, 'id')).catch((error: unknown) => {
        if (error instanceof NotFoundError) return null;
        throw error;
      }),
  }),
  printSlices: t.connection({
    type: SliceRef,
    description: 'The slices of a scan, in order.',
    authScopes: { viewer: true },
    args: { scanId: t.arg.id({ required: true }), status: t.arg({ type: [SliceStatusEnum], required: false }) },
    resolve: (_root, args, context) =>
      page(args, (p) => listSlices(context.services.db, { scanId: numericId(args.scanId, 'scanId'), status: args.status }, p), (slice) => slice.position),
  }),
  printBatches: t.connection({
    type: BatchRef,
    description: 'Batches of a slice or a scan, oldest first.',
    authScopes: { viewer: true },
    args: { sliceId: t.arg.id({ required: false }), scanId: t.arg.id({ required: false }), status: t.arg({ type: [BatchStatusEnum], required: false }) },
    resolve: (_root, args, context) =>
      page(
        args,
        (p) => listBatches(context.services.db, { sliceId: optionalId(args.sliceId, 'sliceId'), scanId: optionalId(args.scanId, 'scanId'), status: args.status }, p),
        (batch) => batch.id,
      ),
  }),
  printExportRows: t.connection({
    type: ExportRowRef,
    description: 'Lane rows by status, lane, scan, slice, batch, document key or error text, oldest first.',
    authScopes: { viewer: true },
    args: { filter: t.arg({ type: ExportRowFilter, required: false }) },
    resolve: (_root, args, context) => {
      const f = args.filter ?? {};
      const filter = { ...f, scanId: optionalId(f.scanId, 'filter.scanId'), sliceId: optionalId(f.sliceId, 'filter.sliceId'), batchId: optionalId(f.batchId, 'filter.batchId') };
      return page(args, (p) => listExportRows(context.services.db, filter, p), (row) => row.id);
    },
  }),
  printLanes: t.field({
    type: [LaneStateRef],
    description: 'Both lanes: paused or not (who, why) and their rows counted by status.',
    authScopes: { viewer: true },
    resolve: (_root, _args, context) => listLaneStates(context.services.db),
  }),
  printGovernor: t.field({
    type: PrintGovernorRef,
    authScopes: { viewer: true },
    resolve: (_root, _args, context) => getPrintGovernor(context.services.db),
  }),
  printDedupe: t.field({
    type: DedupeMarkerRef,
    nullable: true,
    description: 'Whether (and when, by which scan) a document was printed.',
    authScopes: { viewer: true },
    args: { documentKey: t.arg.string({ required: true }) },
    resolve: (_root, args, context) => findDedupeMarker(context.services.db, args.documentKey),
  }),
}));
