// The overview's subscription, apart from the page: bench/dashboard opens it as many dashboards would.
import { graphql } from '../graphql.ts';

export const MetricsFields = graphql(`
  fragment Metrics on JobMetrics { at minutes completed failed completedPerMinute failedPerMinute waitP50Ms waitP95Ms runP50Ms runP95Ms }
`);

export const OverviewSubscription = graphql(
  `
  subscription Overview {
    overview {
      at
      queues { name paused pausedBy pausedReason concurrency stats { queued running paused completed failed cancelled oldestWaitingSeconds } }
      queueMetrics { queue ...Metrics }
      lastHour { ...Metrics }
      workers { id host pid queues kinds concurrency status lastSeenAt }
      governors { name holder holderJobId acquiredAt leaseExpiresAt pending lastScheduledAt }
      supervisorHolder supervisorLeaseExpiresAt supervisorNextTickAt
      lastTicks { id holder trigger startedAt durationMs failedTasks }
      openAlerts { id kind severity message targetType targetId raisedAt lastSeenAt acknowledgedAt acknowledgedBy }
    }
  }
`,
  [MetricsFields],
);
