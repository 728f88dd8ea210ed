import type { Queue, QueueStats } from '../../services/engine/types.ts';
import { builder } from '../builder.ts';

const QueueStatsRef = builder.objectRef<QueueStats>('QueueStats').implement({
  fields: (t) => ({
    queued: t.int({ resolve: (s) => s.counts.queued }),
    running: t.int({ resolve: (s) => s.counts.running }),
    paused: t.int({ resolve: (s) => s.counts.paused }),
    completed: t.int({ resolve: (s) => s.counts.completed }),
    failed: t.int({ resolve: (s) => s.counts.failed }),
    cancelled: t.int({ resolve: (s) => s.counts.cancelled }),
    oldestWaitingSeconds: t.exposeFloat('oldestWaitingSeconds', { description: 'How long the oldest due job has waited; 0 when none waits.' }),
  }),
});

export const QueueRef = builder.objectRef<Queue>('Queue').implement({
  description: 'A lane: paused flag, concurrency limit across all workers, priority.',
  fields: (t) => ({
    name: t.exposeString('name'),
    paused: t.exposeBoolean('paused'),
    pausedBy: t.exposeString('pausedBy', { nullable: true }),
    pausedReason: t.exposeString('pausedReason', { nullable: true }),
    pausedAt: t.expose('pausedAt', { type: 'DateTime', nullable: true }),
    concurrency: t.exposeInt('concurrency', { nullable: true, description: 'Most jobs running at once across all workers; null: no limit.' }),
    priority: t.exposeInt('priority'),
    stats: t.field({
      type: QueueStatsRef,
      description:
        'Counts by status. Queued, running and paused are read when asked; completed, failed and cancelled come from a count the API process makes at most every 5 s (a count older than that is recounted in the background while it is served): counting them reads every finished job.',
      resolve: (queue, _args, context) => context.loaders.queueStats.load(queue.name),
    }),
  }),
});
