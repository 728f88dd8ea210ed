// The print page's subscriptions, apart from the page: bench/dashboard opens them as many dashboards would.
import { graphql } from '../graphql.ts';

export const PrintLanesSubscription = graphql(
  `subscription PrintLanes { printLanes { lane paused pausedBy pausedReason pausedAt counts { queued processing exported failedExport cancelled } } }`,
);

export const PrintGovernorSubscription = graphql(`
  subscription PrintGovernor {
    printGovernor { isPrinting holder pendingPrintCycle leaseExpiresAt lastPrintScheduleAt
      currentCycle { databaseId runId status itemsProcessed itemsTotal progress { percent stage message } } }
  }
`);
