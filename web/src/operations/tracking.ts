// The tracking page's progress subscription, apart from the page: bench/dashboard opens it as many dashboards would.
import { graphql } from '../graphql.ts';

export const TrackingProgressSubscription = graphql(
  `subscription TrackingProgress { trackingProgress { source waiting lagSeconds oldestWaitingAt lastProcessedAt processedCount rejectedCount rejectsOpen } }`,
);
