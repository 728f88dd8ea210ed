// The overview: everything the dashboard's first page shows, as a query and as a subscription.
// Both read the process's one shared feed of it (src/api/sharedFeed.ts): however many dashboards
// are open, the database sees one overview read per refresh (at most once a second while events
// say something changed, every 5 s otherwise: ages and metrics move without events).
import type { ApiContext } from '../../api/context.ts';
import { statsOfQueues } from '../../api/queueStats.ts';
import { sharedFeed, type SharedFeed } from '../../api/sharedFeed.ts';
import type { ServiceContext } from '../../services/context.ts';
import { OVERVIEW_ALERTS, OVERVIEW_TICKS, readOverview, type Overview } from '../../services/engine/overview/read.ts';
import { supervisorSettings } from '../../services/engine/supervisor/settings.ts';
import { builder } from '../../schema/builder.ts';
import { GovernorRef } from '../../schema/engine/governor.ts';
import { JobMetricsRef } from '../../schema/engine/metrics.ts';
import { QueueRef } from '../../schema/engine/queue.ts';
import { WorkerRef } from '../../schema/engine/worker.ts';
import { AlertRef } from './alerts.ts';
import { liveFeed } from './liveSubscription.ts';
import { SupervisorTickRef } from './supervisor.ts';

const REFRESH_MS = 1_000;
const IDLE_REFRESH_MS = 5_000;

export function overviewFeed(services: ServiceContext): SharedFeed<Overview> {
  return sharedFeed(services, {
    name: 'overview',
    read: () => readOverview({ db: services.db, statsOfQueues: (names) => statsOfQueues(services.db, names), settings: () => supervisorSettings(services) }),
    changes: {
      'job:updated': true,
      'job:deleted': true,
      'queue:updated': true,
      'governor:updated': true,
      'worker:updated': true,
      'supervisor:tick': true,
      'alert:raised': true,
      'alert:updated': true,
    },
    refreshMs: REFRESH_MS,
    idleRefreshMs: IDLE_REFRESH_MS,
  });
}

/** The overview's queues carry their stats: Queue.stats then reads them instead of the database. */
function queuesWithStats(overview: Overview, context: ApiContext) {
  for (const stats of overview.stats) context.loaders.queueStats.clear(stats.queue).prime(stats.queue, stats);
  return overview.queues;
}

const OverviewRef = builder.objectRef<Overview>('Overview').implement({
  description: 'What an operator looks at first, as of `at`; the same for every client of an API process (it is read once and shared).',
  fields: (t) => ({
    at: t.expose('at', { type: 'DateTime', description: 'When it was read' }),
    queues: t.field({ type: [QueueRef], resolve: (overview, _args, context) => queuesWithStats(overview, context) }),
    workers: t.expose('workers', { type: [WorkerRef], description: 'Running and stopping workers' }),
    governors: t.expose('governors', { type: [GovernorRef] }),
    supervisorHolder: t.string({ nullable: true, description: 'The runner that ticks now; null when no process supervises', resolve: (o) => o.supervisor.holder }),
    supervisorLeaseExpiresAt: t.field({ type: 'DateTime', nullable: true, resolve: (o) => o.supervisor.leaseExpiresAt }),
    supervisorNextTickAt: t.field({ type: 'DateTime', nullable: true, resolve: (o) => o.supervisor.nextTickAt }),
    lastTicks: t.expose('lastTicks', { type: [SupervisorTickRef], description: `The latest ${OVERVIEW_TICKS} supervisor ticks, newest first` }),
    openAlerts: t.expose('openAlerts', { type: [AlertRef], description: `Open alerts, newest first (at most ${OVERVIEW_ALERTS})` }),
    queueMetrics: t.expose('queueMetrics', { type: [JobMetricsRef], description: 'Per queue, the jobs finished in the last 15 minutes' }),
    lastHour: t.expose('lastHour', { type: [JobMetricsRef], description: 'All queues, one point per minute of the last hour' }),
  }),
});

builder.queryFields((t) => ({
  overview: t.field({
    type: OverviewRef,
    description: 'The overview as this API process last read it (at most a second ago).',
    authScopes: { viewer: true },
    resolve: (_root, _args, context) => overviewFeed(context.services).current(),
  }),
}));

builder.subscriptionFields((t) => ({
  overview: t.field({
    type: OverviewRef,
    description:
      'The overview now, then again whenever it changes (at most once a second while events arrive, every 5 s otherwise). Every subscriber of an API process shares one read.',
    authScopes: { viewer: true },
    subscribe: (_root, _args, context) => liveFeed(context, overviewFeed(context.services)),
    resolve: (overview) => overview,
  }),
}));
