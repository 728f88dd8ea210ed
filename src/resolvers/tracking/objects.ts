// Fields of production jobs, impositions and runlists that read further.
import { listImpositions, listProductionJobs, statusUpdatesOf } from '../../services/tracking/readJobs.ts';
import { builder } from '../../schema/builder.ts';
import { connectionOf, forwardPage } from '../../schema/pagination.ts';
import { ImpositionRef, ProductionJobRef, ProductionOperationRef, RunlistRef, StatusUpdateRef } from '../../schema/tracking/types.ts';
import { trackingLoaders } from './loaders.ts';

ProductionJobRef.implement({
  description: 'A production job of the shop (job id such as 4604_5889) with its operations as tracked.',
  fields: (t) => ({
    jobId: t.exposeString('jobId'),
    versionTag: t.exposeString('versionTag', { nullable: true }),
    name: t.exposeString('name', { nullable: true }),
    dueDate: t.expose('dueDate', { type: 'DateTime', nullable: true }),
    operations: t.field({
      type: [ProductionOperationRef],
      description: 'Each operation with its status, time, source and notes, in catalogue order.',
      resolve: (job, _args, context) => trackingLoaders(context).jobOperations.load(job.jobId),
    }),
    done: t.boolean({
      description: 'Every required operation is completed (false while it has none).',
      resolve: async (job, _args, context) => {
        const operations = (await trackingLoaders(context).jobOperations.load(job.jobId)).filter((o) => o.required);
        return operations.length > 0 && operations.every((o) => o.done);
      },
    }),
    updates: t.connection({
      type: StatusUpdateRef,
      description: 'The status-update history, newest first: every record that spoke of this production job.',
      resolve: async (job, args, context) => {
        const page = forwardPage(args);
        return connectionOf(await statusUpdatesOf(context.services.db, job.jobId, page), page, (u) => u.id);
      },
    }),
    impositions: t.field({
      type: [ImpositionRef],
      resolve: (job, _args, context) => listImpositions(context.services.db, { jobId: job.jobId }),
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
});

ImpositionRef.implement({
  description: 'An imposition: a press sheet layout holding files of production jobs.',
  fields: (t) => ({
    impositionId: t.exposeString('impositionId'),
    fileIds: t.exposeStringList('fileIds'),
    runlistIds: t.exposeStringList('runlistIds'),
    operations: t.field({
      type: [ProductionOperationRef],
      resolve: (imposition, _args, context) => trackingLoaders(context).impositionOperations.load(imposition.impositionId),
    }),
  }),
});

RunlistRef.implement({
  description: 'A runlist: the impositions planned to run together (production_planner_paths).',
  fields: (t) => ({
    runlistId: t.exposeString('runlistId'),
    impositionIds: t.exposeStringList('impositionIds'),
    productionJobs: t.connection({
      type: ProductionJobRef,
      resolve: async (runlist, args, context) => {
        const page = forwardPage(args);
        const jobs = await listProductionJobs(context.services.db, { runlistId: runlist.runlistId }, page);
        return offsetConnection(jobs, page);
      },
    }),
  }),
});

/** A connection over rows read by offset: the cursor is the row's position. */
export function offsetConnection<T>(rows: T[], page: { first: number; after: number | null }) {
  const positioned = rows.map((row, index) => ({ row, position: (page.after ?? 0) + index + 1 }));
  const connection = connectionOf(positioned, page, (p) => p.position);
  return { ...connection, edges: connection.edges.map((edge) => ({ ...edge, node: edge.node.row })) };
}
