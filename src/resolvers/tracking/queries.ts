// Production tracking's queries: a production job by job id, pages of them with filters,
// impositions, runlists, the incoming records with their outcome, the markers with their lag.
import { getProductionJobs, listImpositions, listProductionJobs, listRunlists } from '../../services/tracking/readJobs.ts';
import { listMarkers, listRecords, type RecordFilter } from '../../services/tracking/readRecords.ts';
import { builder } from '../../schema/builder.ts';
import { connectionOf, forwardPage } from '../../schema/pagination.ts';
import {
  ImpositionRef,
  PrintOsEventRef,
  ProductionJobRef,
  RecordStateEnum,
  RunlistRef,
  ScanRef,
  TrackingMarkerRef,
} from '../../schema/tracking/types.ts';
import { offsetConnection } from './objects.ts';

const ProductionJobFilterInput = builder.inputType('ProductionJobFilter', {
  fields: (t) => ({
    operationNotDone: t.string({ required: false, description: 'Production jobs with this operation (name or id, e.g. print) not completed' }),
    partialPrint: t.boolean({ required: false, description: 'Production jobs whose print is partial' }),
    updatedSince: t.field({ type: 'DateTime', required: false, description: 'Production jobs with an operation changed since' }),
    runlistId: t.string({ required: false }),
  }),
});

const TrackingRecordFilterInput = builder.inputType('TrackingRecordFilter', {
  fields: (t) => ({
    state: t.field({ type: RecordStateEnum, required: false }),
    key: t.string({ required: false, description: 'Print OS events of this imposition id; scans of this code' }),
    reasonContains: t.string({ required: false, description: 'Rejects whose reason contains this text' }),
  }),
});

const recordFilter = (filter: { state?: RecordFilter['state']; key?: string | null; reasonContains?: string | null } | null | undefined): RecordFilter => ({
  state: filter?.state ?? null,
  key: filter?.key ?? null,
  reasonContains: filter?.reasonContains ?? null,
});

builder.queryFields((t) => ({
  productionJob: t.field({
    type: ProductionJobRef,
    nullable: true,
    description: 'A production job by its job id (e.g. 4604_5889): its operations, update history and impositions.',
    authScopes: { viewer: true },
    args: { jobId: t.arg.string({ required: true }) },
    resolve: async (_root, { jobId }, context) => (await getProductionJobs(context.services.db, [jobId]))[0] ?? null,
  }),
  productionJobs: t.connection({
    type: ProductionJobRef,
    description: 'Production jobs by job id.',
    authScopes: { viewer: true },
    args: { filter: t.arg({ type: ProductionJobFilterInput, required: false }) },
    resolve: async (_root, args, context) => {
      const page = forwardPage(args);
      return offsetConnection(await listProductionJobs(context.services.db, args.filter ?? {}, page), page);
    },
  }),
  impositions: t.field({
    type: [ImpositionRef],
    description: 'Impositions by id, or those of a production job or of a runlist (at most 500).',
    authScopes: { viewer: true },
    args: {
      impositionIds: t.arg.stringList({ required: false }),
      jobId: t.arg.string({ required: false }),
      runlistId: t.arg.string({ required: false }),
    },
    resolve: (_root, args, context) =>
      listImpositions(context.services.db, {
        impositionIds: args.impositionIds?.slice(0, 500) ?? undefined,
        jobId: args.jobId ?? undefined,
        runlistId: args.runlistId ?? undefined,
      }),
  }),
  runlists: t.field({
    type: [RunlistRef],
    description: 'Runlists by id (at most 200), or one.',
    authScopes: { viewer: true },
    args: { runlistId: t.arg.string({ required: false }) },
    resolve: (_root, args, context) => listRunlists(context.services.db, { runlistId: args.runlistId }),
  }),
  printOsEvents: t.connection({
    type: PrintOsEventRef,
    description: 'Print OS events, newest first, with what processing made of each.',
    authScopes: { viewer: true },
    args: { filter: t.arg({ type: TrackingRecordFilterInput, required: false }) },
    resolve: async (_root, args, context) => {
      const page = forwardPage(args);
      return connectionOf(await listRecords(context.services.db, 'print_os', recordFilter(args.filter), page), page, (r) => r.id);
    },
  }),
  scans: t.connection({
    type: ScanRef,
    description: 'Scans, newest first, with what processing made of each.',
    authScopes: { viewer: true },
    args: { filter: t.arg({ type: TrackingRecordFilterInput, required: false }) },
    resolve: async (_root, args, context) => {
      const page = forwardPage(args);
      return connectionOf(await listRecords(context.services.db, 'scanner', recordFilter(args.filter), page), page, (r) => r.id);
    },
  }),
  trackingMarkers: t.field({
    type: [TrackingMarkerRef],
    description: 'Each source: the last record processed, what waits and for how long, the rejects left.',
    authScopes: { viewer: true },
    resolve: (_root, _args, context) => listMarkers(context.services.db),
  }),
}));
