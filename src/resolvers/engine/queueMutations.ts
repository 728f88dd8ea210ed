import { actorOf } from '../../api/context.ts';
import { NotFoundError } from '../../services/errors.ts';
import { configureQueue, pauseQueue, resumeQueue } from '../../services/engine/queues.ts';
import { builder } from '../../schema/builder.ts';
import { commonErrors } from '../../schema/errors.ts';
import { QueueRef } from '../../schema/engine/queue.ts';

builder.mutationFields((t) => ({
  pauseQueue: t.field({
    type: QueueRef,
    description: 'Stops workers claiming from the queue; running jobs finish. The queue must exist (configureQueue creates one).',
    authScopes: { operator: true },
    errors: { types: [...commonErrors, NotFoundError] },
    args: { name: t.arg.string({ required: true }), reason: t.arg.string({ required: false }) },
    resolve: (_root, args, context) => pauseQueue(context.services, args.name, actorOf(context, args.reason)),
  }),
  resumeQueue: t.field({
    type: QueueRef,
    authScopes: { operator: true },
    errors: { types: [...commonErrors, NotFoundError] },
    args: { name: t.arg.string({ required: true }), reason: t.arg.string({ required: false }) },
    resolve: (_root, args, context) => resumeQueue(context.services, args.name, actorOf(context, args.reason)),
  }),
  configureQueue: t.field({
    type: QueueRef,
    description: 'Sets the concurrency limit (null lifts it) and priority of a queue, creating it if needed.',
    authScopes: { admin: true },
    errors: { types: commonErrors },
    args: {
      name: t.arg.string({ required: true }),
      concurrency: t.arg.int({ required: false }),
      clearConcurrency: t.arg.boolean({ required: false, description: 'Lifts the concurrency limit' }),
      priority: t.arg.int({ required: false }),
      reason: t.arg.string({ required: false }),
    },
    resolve: (_root, args, context) =>
      configureQueue(
        context.services,
        {
          name: args.name,
          ...(args.clearConcurrency ? { concurrency: null } : args.concurrency != null ? { concurrency: args.concurrency } : {}),
          ...(args.priority != null ? { priority: args.priority } : {}),
        },
        actorOf(context, args.reason),
      ),
  }),
}));
