// Manual recovery on jobs. Each mutation records the caller as actor with the reason given, and
// returns the job or a typed error as data.
import { actorOf, type ApiContext } from '../../api/context.ts';
import { DedupeConflictError, UnknownKindError } from '../../services/errors.ts';
import { enqueueJob } from '../../services/engine/jobs/enqueue.ts';
import { applyToJobs, BULK_INLINE_LIMIT, clearJobs, type BulkOperation, type BulkOutcome } from '../../services/engine/jobs/bulk.ts';
import { cancelJob, deleteJob, forceFailJob, pauseJob, resumeJob, retryJob } from '../../services/engine/jobs/manage.ts';
import type { Actor, Job } from '../../services/engine/types.ts';
import type { ServiceContext } from '../../services/context.ts';
import { builder } from '../../schema/builder.ts';
import { commonErrors, jobErrors } from '../../schema/errors.ts';
import { JobFilterInput, toJobFilter } from '../../schema/engine/jobFilter.ts';
import { JobRef, JobStatusEnum } from '../../schema/engine/job.ts';
import { jobIdFrom } from './jobIdentity.ts';

export const EnqueueJobInput = builder.inputType('EnqueueJobInput', {
  fields: (t) => ({
    kind: t.string({ required: true }),
    queue: t.string({ required: false }),
    payload: t.field({ type: 'JSON', required: false }),
    priority: t.int({ required: false }),
    runAt: t.field({ type: 'DateTime', required: false }),
    delayMs: t.int({ required: false }),
    maxAttempts: t.int({ required: false }),
    dedupeKey: t.string({ required: false }),
    governorKey: t.string({ required: false }),
    items: t.stringList({ required: false, description: 'Item keys, processed one by one' }),
    allowUnknownKind: t.boolean({
      required: false,
      description: 'Enqueue even though no handler defines the kind and no worker has announced it (its workers start later). Default false: refused as UnknownKindError.',
    }),
  }),
});

const EnqueueResult = builder.objectRef<{ job: Job; deduplicated: boolean }>('EnqueueResult').implement({
  fields: (t) => ({
    job: t.field({ type: JobRef, resolve: (r) => r.job }),
    deduplicated: t.exposeBoolean('deduplicated', { description: 'A live job with the dedupe key existed; `job` is that one.' }),
  }),
});

const bulkJobField = () =>
  ({
    type: JobRef,
    nullable: true,
    description: `Set when the operation runs as a job of its own (more than ${BULK_INLINE_LIMIT} jobs matched, or background: true): it works in chunks and reports its progress; the counts here are then 0 and the job's result holds them.`,
    resolve: (r: { job: Job | null }) => r.job,
  }) as const;

const BACKGROUND = `Run as a job of its own whatever the size (it does above ${BULK_INLINE_LIMIT} matching jobs anyway).`;

const ClearResult = builder.objectRef<{ deleted: number; job: Job | null }>('ClearResult').implement({
  fields: (t) => ({ deleted: t.exposeInt('deleted'), job: t.field(bulkJobField()) }),
});

export const withoutNulls = <T extends object>(input: T) =>
  Object.fromEntries(Object.entries(input).filter(([, value]) => value !== null && value !== undefined));

type JobAction = (services: ServiceContext, jobId: number, by: Actor) => Promise<Job>;

const jobAction = (
  name: string,
  description: string,
  action: JobAction,
  scope: 'operator' | 'admin' = 'operator',
  errors: (new (...args: never[]) => Error)[] = jobErrors,
) =>
  builder.mutationField(name, (t) =>
    t.field({
      type: JobRef,
      description,
      authScopes: { [scope]: true },
      errors: { types: errors },
      args: { id: t.arg.id({ required: true, description: 'Global id, numeric id or run id' }), reason: t.arg.string({ required: false }) },
      resolve: async (_root, args, context) => action(context.services, await jobIdFrom(context, String(args.id)), actorOf(context, args.reason)),
    }),
  );

jobAction('retryJob', 'Runs a failed or cancelled job again, from its last checkpoint.', retryJob, 'operator', [...jobErrors, DedupeConflictError]);
jobAction('cancelJob', 'Cancels a job; a running one stops at its next checkpoint.', cancelJob);
jobAction('pauseJob', 'Pauses a job; a running one pauses at its next checkpoint.', pauseJob);
jobAction('resumeJob', 'Puts a paused job back in its queue.', resumeJob);
jobAction('forceFailJob', 'Fails a job now, whatever it is doing.', forceFailJob);
jobAction('deleteJob', 'Deletes a job that is not running; its history stays.', deleteJob, 'admin');

builder.mutationFields((t) => ({
  enqueueJob: t.field({
    type: EnqueueResult,
    description: 'Enqueues a job. An unknown kind is UnknownKindError; a payload its kind\'s schema refuses is InvalidInputError naming the field (payload.x).',
    authScopes: { operator: true },
    errors: { types: [...commonErrors, UnknownKindError] },
    args: { input: t.arg({ type: EnqueueJobInput, required: true }), reason: t.arg.string({ required: false }) },
    resolve: (_root, args, context: ApiContext) => enqueueJob(context.services, withoutNulls(args.input) as never, actorOf(context, args.reason)),
  }),
  clearJobs: t.field({
    type: ClearResult,
    description: 'Deletes finished jobs of one status, optionally finished before a time; returns how many.',
    authScopes: { admin: true },
    errors: { types: commonErrors },
    args: {
      status: t.arg({ type: JobStatusEnum, required: true }),
      olderThan: t.arg({ type: 'DateTime', required: false }),
      queue: t.arg.string({ required: false }),
      reason: t.arg.string({ required: false }),
      background: t.arg.boolean({ required: false, description: BACKGROUND }),
    },
    resolve: (_root, args, context) =>
      clearJobs(context.services, withoutNulls({ status: args.status, olderThan: args.olderThan, queue: args.queue }) as never, actorOf(context, args.reason), {
        background: args.background ?? false,
      }),
  }),
}));

const BulkResult = builder.objectRef<BulkOutcome>('BulkResult').implement({
  fields: (t) => ({
    matched: t.exposeInt('matched', { description: 'Jobs the filter selected whose status allows the operation.' }),
    changed: t.exposeInt('changed'),
    skipped: t.exposeInt('skipped', {
      description: 'Matched jobs left as they were: a retry whose dedupe key a live job holds, a running job already asked to cancel.',
    }),
    job: t.field(bulkJobField()),
  }),
});

const bulkAction = (name: string, operation: BulkOperation, scope: 'operator' | 'admin') =>
  builder.mutationField(name, (t) =>
    t.field({
      type: BulkResult,
      description: `${operation} every job matching the filter, set-based, each job with its history entry; a large filter runs as a job (see \`job\`).`,
      authScopes: { [scope]: true },
      errors: { types: commonErrors },
      args: { filter: t.arg({ type: JobFilterInput, required: true }), reason: t.arg.string({ required: false }), background: t.arg.boolean({ required: false, description: BACKGROUND }) },
      resolve: (_root, args, context) =>
        applyToJobs(context.services, toJobFilter(args.filter), operation, actorOf(context, args.reason), { background: args.background ?? false }),
    }),
  );

bulkAction('retryJobs', 'retry', 'operator');
bulkAction('cancelJobs', 'cancel', 'operator');
bulkAction('deleteJobs', 'delete', 'admin');
