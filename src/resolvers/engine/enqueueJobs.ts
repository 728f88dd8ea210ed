// enqueueJobs: many jobs in one request, written together; each input gets its own answer (its
// job and dedupe result, or its error) at its index, so one bad job keeps out only itself.
import { actorOf } from '../../api/context.ts';
import { enqueueEach, type EnqueueOutcome } from '../../services/engine/jobs/enqueue.ts';
import { InvalidInputError, UnknownKindError, type PressroomError } from '../../services/errors.ts';
import { builder } from '../../schema/builder.ts';
import { JobRef } from '../../schema/engine/job.ts';
import { commonErrors, InputIssueRef } from '../../schema/errors.ts';
import { EnqueueJobInput, withoutNulls } from './jobMutations.ts';

/** Jobs per call: a larger batch is a file for `pressroom enqueue --file`, sent in calls of this size. */
export const ENQUEUE_JOBS_LIMIT = 1_000;

interface Entry {
  index: number;
  outcome: EnqueueOutcome;
}

/**
 * Why an input was not enqueued. A plain object, not the Error interface: graphql-js treats an
 * Error instance a field resolves to as a failure of the whole field.
 */
const EnqueueJobsError = builder.objectRef<{ error: PressroomError }>('EnqueueJobsError').implement({
  fields: (t) => ({
    code: t.string({ description: 'INVALID_INPUT or UNKNOWN_KIND (or the code of what else kept it out)', resolve: ({ error }) => error.code }),
    message: t.string({ resolve: ({ error }) => error.message }),
    issues: t.field({
      type: [InputIssueRef],
      description: 'Each field and what is wrong with it (paths as in enqueueJob: kind, payload.x).',
      resolve: ({ error }) =>
        error instanceof InvalidInputError ? error.issues : error instanceof UnknownKindError ? [{ path: error.path, message: error.message }] : [],
    }),
    kind: t.string({ nullable: true, description: 'For UNKNOWN_KIND: the kind no one knows.', resolve: ({ error }) => (error instanceof UnknownKindError ? error.kind : null) }),
  }),
});

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
      type: EnqueueJobsError,
      nullable: true,
      description: 'Why this input was not enqueued (InvalidInputError, UnknownKindError); null when it was.',
      resolve: (e) => (e.outcome.ok ? null : { error: e.outcome.error }),
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
