import type { JobFilter } from '../../services/engine/jobs/read.ts';
import { InvalidInputError } from '../../services/errors.ts';
import { builder } from '../builder.ts';
import { JobStatusEnum } from './job.ts';

/** Longest run-id prefix or payload text a filter takes. */
const MAX_TEXT = 200;

export const JobFilterInput = builder.inputType('JobFilter', {
  fields: (t) => ({
    status: t.field({ type: [JobStatusEnum], required: false }),
    kind: t.string({ required: false }),
    queue: t.string({ required: false }),
    stage: t.string({ required: false, description: 'The stage the job is in (progress.stage)' }),
    createdAfter: t.field({ type: 'DateTime', required: false }),
    createdBefore: t.field({ type: 'DateTime', required: false }),
    runId: t.string({ required: false }),
    runIdPrefix: t.string({ required: false, description: 'Run ids that start with this, e.g. document-process-20261123' }),
    payloadText: t.string({
      required: false,
      description: `Text anywhere in the payload's JSON, case-insensitive (at most ${MAX_TEXT} characters). Not indexed: a page stops at its first matches, newest first.`,
    }),
  }),
});

type FilterArgs = { [K in keyof JobFilter]?: JobFilter[K] | null };

export function toJobFilter(filter: FilterArgs | null | undefined): JobFilter {
  if (!filter) return {};
  for (const key of ['runIdPrefix', 'payloadText'] as const) {
    if ((filter[key]?.length ?? 0) > MAX_TEXT) throw new InvalidInputError([{ path: `filter.${key}`, message: `at most ${MAX_TEXT} characters` }]);
  }
  return Object.fromEntries(Object.entries(filter).filter(([, value]) => value !== null && value !== undefined && value !== '')) as JobFilter;
}
