// enqueueJobs: many jobs in one request, written together; each input gets its own answer (its
// job and dedupe result, or its error) at its index, so one bad job keeps out only itself.
import { actorOf } from '../../api/context.ts';
import { enqueueEach, type EnqueueOutcome } from '../../services/engine/jobs/enqueue.ts';
import { InvalidInputError, type PressroomError } from '../../services/errors.ts';
import { builder } from '../../schema/builder.ts';
import { JobRef } from '../../schema/engine/job.ts';
import { commonErrors, ErrorInterface } from '../../schema/errors.ts';
import { EnqueueJobInput, withoutNulls } from './jobMutations.ts';

/** Jobs per call: a larger batch is a file for `pressroom enqueue --file`, sent in calls of this size. */
export const ENQUEUE_JOBS_LIMIT = 1_000;

interface Entry {
  index: number;
  outcome: EnqueueOutcome;
}

const EnqueueJobsEntry = builder.objectRef<Entry>('EnqueueJobsEntry').implement({
  description: 'The answer for one input of enqueueJobs, at its index.',
  fields: (t) => ({
    index: t.exposeInt('index', { description: 'Position of the input in `inputs`, from 0.' }),
    job: t.field({ type: JobRef, nullable: true, resolve: (e) => (e.outcome.ok ? e.outcome.result.job : null) }),
    deduplicated: t.boolean({
      description: 'A live job with the dedupe key existed; `job` is that one.',
      resolve: (e) => e.outcome.ok && e.outcome.result.deduplicated,
    }),
    error: t.field({
      type: ErrorInterface,
      nullable: true,
      description: 'Why this input was not enqueued (InvalidInputError, UnknownKindError); null when it was.',
      resolve: (e): PressroomError | null => (e.outcome.ok ? null : e.outcome.error),
    }),
  }),
});

const EnqueueJobsResult = builder.objectRef<Entry[]>('EnqueueJobsResult').implement({
  fields: (t) => ({
    results: t.field({ type: [EnqueueJobsEntry], description: 'One per input, in input order.', resolve: (entries) => entries }),
    enqueued: t.int({ description: 'New jobs written.', resolve: (entries) => entries.filter((e) => e.outcome.ok && !e.outcome.result.deduplicated).length }),
    deduplicated: t.int({ resolve: (entries) => entries.filter((e) => e.outcome.ok && e.outcome.result.deduplicated).length }),
    refused: t.int({ description: 'Inputs with an error.', resolve: (entries) => entries.filter((e) => !e.outcome.ok).length }),
  }),
});

builder.mutationField('enqueueJobs', (t) =>
  t.field({
    type: EnqueueJobsResult,
    description: `Enqueues up to ${ENQUEUE_JOBS_LIMIT} jobs in one call, written together; each input is answered at its index.`,
    authScopes: { operator: true },
    errors: { types: commonErrors },
    args: { inputs: t.arg({ type: [EnqueueJobInput], required: true }), reason: t.arg.string({ required: false }) },
    resolve: async (_root, args, context) => {
      if (args.inputs.length === 0 || args.inputs.length > ENQUEUE_JOBS_LIMIT) {
        throw new InvalidInputError([{ path: 'inputs', message: `give 1 to ${ENQUEUE_JOBS_LIMIT} jobs per call` }]);
      }
      const outcomes = await enqueueEach(context.services, args.inputs.map(withoutNulls) as never, actorOf(context, args.reason));
      return outcomes.map((outcome, index) => ({ index, outcome }));
    },
  }),
);
