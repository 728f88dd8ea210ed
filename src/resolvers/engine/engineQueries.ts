import { listGovernors } from '../../services/engine/governors.ts';
import { countHistory, listHistory } from '../../services/engine/history.ts';
import { listQueues } from '../../services/engine/queues.ts';
import { listWorkers } from '../../services/engine/workers.ts';
import { builder } from '../../schema/builder.ts';
import { GovernorRef } from '../../schema/engine/governor.ts';
import { HistoryEntryRef } from '../../schema/engine/history.ts';
import { connectionOf, countOnce, forwardPage } from '../../schema/pagination.ts';
import { countFields } from '../../schema/countFields.ts';
import { QueueRef } from '../../schema/engine/queue.ts';
import { WorkerRef } from '../../schema/engine/worker.ts';

const HistoryFilterInput = builder.inputType('HistoryFilter', {
  fields: (t) => ({
    targetType: t.string({ required: false, description: 'job, queue, governor, worker or jobs' }),
    targetId: t.string({ required: false }),
    actor: t.string({ required: false }),
    operation: t.string({ required: false }),
    from: t.field({ type: 'DateTime', required: false }),
    to: t.field({ type: 'DateTime', required: false }),
  }),
});

builder.queryFields((t) => ({
  queues: t.field({ type: [QueueRef], authScopes: { viewer: true }, resolve: (_root, _args, context) => listQueues(context.services.db) }),
  governors: t.field({ type: [GovernorRef], authScopes: { viewer: true }, resolve: (_root, _args, context) => listGovernors(context.services.db) }),
  workers: t.field({
    type: [WorkerRef],
    authScopes: { viewer: true },
    args: { includeStopped: t.arg.boolean({ required: false, defaultValue: false }) },
    resolve: (_root, args, context) => listWorkers(context.services.db, { includeStopped: args.includeStopped ?? false }),
  }),
  history: t.connection(
    {
      type: HistoryEntryRef,
      description: 'The operation history, newest first.',
      authScopes: { viewer: true },
      args: { filter: t.arg({ type: HistoryFilterInput, required: false }) },
      resolve: async (_root, args, context) => {
        const page = forwardPage(args);
        const filter = Object.fromEntries(Object.entries(args.filter ?? {}).filter(([, v]) => v !== null && v !== undefined && v !== ''));
        const { entries } = await listHistory(context.services.db, filter, { first: page.first + 1, before: page.after });
        return { ...connectionOf(entries, page, (entry) => entry.id), count: countOnce(() => countHistory(context.services.db, filter)) };
      },
    },
    { fields: countFields('entries') },
  ),
}));
