import { actorOf } from '../../api/context.ts';
import { NotFoundError } from '../../services/errors.ts';
import { healGovernors, releaseGovernor, requestGovernorRun } from '../../services/engine/governors.ts';
import type { Governor, Job } from '../../services/engine/types.ts';
import { builder } from '../../schema/builder.ts';
import { commonErrors } from '../../schema/errors.ts';
import { GovernorRef } from '../../schema/engine/governor.ts';
import { JobRef } from '../../schema/engine/job.ts';

const RunRequestResult = builder.objectRef<{ job: Job | null; pending: boolean }>('GovernorRunRequest').implement({
  fields: (t) => ({
    job: t.field({ type: JobRef, nullable: true, description: 'The job enqueued now, when the governor was free', resolve: (r) => r.job }),
    pending: t.exposeBoolean('pending', { description: 'The governor was busy: the run follows its release' }),
  }),
});

const ReleaseResult = builder.objectRef<{ governor: Governor; pending: boolean }>('GovernorRelease').implement({
  fields: (t) => ({
    governor: t.field({ type: GovernorRef, resolve: (r) => r.governor }),
    pending: t.exposeBoolean('pending', { description: 'A run had been asked for while it was held' }),
  }),
});

const HealResult = builder.objectRef<{ healed: Governor[] }>('GovernorHeal').implement({
  fields: (t) => ({ healed: t.field({ type: [GovernorRef], description: 'The governors released', resolve: (r) => r.healed }) }),
});

builder.mutationFields((t) => ({
  releaseGovernor: t.field({
    type: ReleaseResult,
    description: 'Releases a governor whoever holds it: recovery for a stuck lock. Give a reason.',
    authScopes: { operator: true },
    errors: { types: [...commonErrors, NotFoundError] },
    args: { name: t.arg.string({ required: true }), reason: t.arg.string({ required: true }) },
    resolve: (_root, args, context) => releaseGovernor(context.services, args.name, { ...actorOf(context, args.reason), force: true }),
  }),
  healGovernors: t.field({
    type: HealResult,
    description: 'Releases governors whose lease expired or whose holding job is no longer running.',
    authScopes: { operator: true },
    errors: { types: commonErrors },
    args: { reason: t.arg.string({ required: false }) },
    resolve: async (_root, args, context) => ({ healed: await healGovernors(context.services, actorOf(context, args.reason)) }),
  }),
  requestGovernorRun: t.field({
    type: RunRequestResult,
    description: 'Enqueues a job under the governor now, or once it is released if it is busy.',
    authScopes: { operator: true },
    errors: { types: commonErrors },
    args: {
      name: t.arg.string({ required: true }),
      kind: t.arg.string({ required: true }),
      queue: t.arg.string({ required: false }),
      payload: t.arg({ type: 'JSON', required: false }),
      reason: t.arg.string({ required: false }),
    },
    resolve: (_root, args, context) =>
      requestGovernorRun(
        context.services,
        args.name,
        { kind: args.kind, ...(args.queue ? { queue: args.queue } : {}), ...(args.payload ? { payload: args.payload as never } : {}) },
        actorOf(context, args.reason),
      ),
  }),
}));
