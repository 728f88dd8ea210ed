import type { JobFilter } from '../../services/engine/jobs/read.ts';
import { builder } from '../builder.ts';
import { JobStatusEnum } from './job.ts';

export const JobFilterInput = builder.inputType('JobFilter', {
  fields: (t) => ({
    status: t.field({ type: [JobStatusEnum], required: false }),
    kind: t.string({ required: false }),
    queue: t.string({ required: false }),
    stage: t.string({ required: false, description: 'The stage the job is in (progress.stage)' }),
    createdAfter: t.field({ type: 'DateTime', required: false }),
    createdBefore: t.field({ type: 'DateTime', required: false }),
    runId: t.string({ required: false }),
  }),
});

type FilterArgs = { [K in keyof JobFilter]?: JobFilter[K] | null };

export function toJobFilter(filter: FilterArgs | null | undefined): JobFilter {
  if (!filter) return {};
  return Object.fromEntries(Object.entries(filter).filter(([, value]) => value !== null && value !== undefined)) as JobFilter;
}
