import { NotFoundError } from '../../services/errors.ts';
import { countJobs, listJobs } from '../../services/engine/jobs/read.ts';
import { builder } from '../../schema/builder.ts';
import { JobFilterInput, toJobFilter } from '../../schema/engine/jobFilter.ts';
import { JobRef } from '../../schema/engine/job.ts';
import { connectionOf, countOnce, forwardPage } from '../../schema/pagination.ts';
import { countFields } from '../../schema/countFields.ts';
import { COUNT_CAP } from '../../services/engine/cappedCount.ts';
import { jobIdFrom } from './jobIdentity.ts';

builder.queryFields((t) => ({
  job: t.field({
    type: JobRef,
    nullable: true,
    description: 'A job by global id, numeric id or run id.',
    authScopes: { viewer: true },
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_root, { id }, context) => {
      // An id that names no job is null here (a query), not an error; other failures stay errors.
      const jobId = await jobIdFrom(context, String(id)).catch((error: unknown) => {
        if (error instanceof NotFoundError) return null;
        throw error;
      });
      return jobId === null ? null : context.loaders.job.load(jobId);
    },
  }),
  jobs: t.connection(
    {
      type: JobRef,
      description: 'Jobs, newest first, filtered; keyset cursors stay stable while jobs are added.',
      authScopes: { viewer: true },
      args: { filter: t.arg({ type: JobFilterInput, required: false }) },
      resolve: async (_root, args, context) => {
        const page = forwardPage(args);
        const filter = toJobFilter(args.filter);
        const { jobs } = await listJobs(context.services.db, filter, { first: page.first + 1, before: page.after });
        for (const job of jobs) context.loaders.job.prime(job.id, job);
        return { ...connectionOf(jobs, page, (job) => job.id), count: countOnce(() => countJobs(context.services.db, filter)) };
      },
    },
    {
      fields: countFields(
        'jobs',
        ` With payloadText (not indexed), the text is tested on at most ${COUNT_CAP.toLocaleString('en')} jobs matching the rest of the filter, newest first; when more match the rest, totalCount is the matches among those (at least that many) and totalCountExact is false.`,
      ),
    },
  ),
}));
