// The engine's examples: finding, following and fixing jobs, and queues at a glance.
import type { GraphiqlExample } from './types.ts';

export const engineExamples: GraphiqlExample[] = [
  {
    description: 'Find a job by its run id (or numeric id), with its progress, items and recent history.',
    operation: /* GraphQL */ `query FindJob($id: ID! = "$RECENT_JOB") {
  job(id: $id) {
    runId kind status attempts maxAttempts
    progress { percent stage message }
    stages { name status }
    itemsTotal itemsProcessed itemsFailed
    lastError { message class attempt at }
    history(first: 10) { edges { node { at actor operation before after reason } } }
  }
}`,
  },
  {
    description: 'The newest jobs, whatever their state.',
    operation: /* GraphQL */ `query RecentJobs {
  jobs(first: 10) {
    edges { node { runId kind status progress { percent stage } createdAt } }
  }
}`,
  },
  {
    description: 'Failed jobs, newest first (the demo fails a job now and then).',
    operation: /* GraphQL */ `query FailedJobs {
  jobs(first: 20, filter: { status: [failed] }) {
    edges { node { id runId kind queueName lastError { message class } finishedAt } }
    pageInfo { hasNextPage endCursor }
  }
}`,
  },
  {
    description: 'Retry a failed job, saying why (recorded in the history with your key\'s name).',
    operation: /* GraphQL */ `mutation RetryJob($id: ID! = "$RECENT_FAILED_JOB") {
  retryJob(id: $id, reason: "printer back online") {
    __typename
    ... on Job { runId status }
    ... on Error { message code }
  }
}`,
  },
  {
    description: "Follow a job live: its state now, then every change and progress report (press stop to end it).",
    operation: /* GraphQL */ `subscription FollowJob($id: ID! = "$RECENT_JOB") {
  job(id: $id) {
    runId status attempts
    progress { percent stage message }
    stages { name status }
    itemsTotal itemsProcessed itemsFailed
    lastError { message class }
    updatedAt
  }
}`,
  },
  {
    description: "Read a job's history.",
    operation: /* GraphQL */ `query JobHistory($id: ID! = "$RECENT_JOB") {
  job(id: $id) { history(first: 50) { edges { node { at actor operation before after reason } } } }
}`,
  },
  {
    description: 'Queues at a glance.',
    operation: /* GraphQL */ `query Queues {
  queues { name paused pausedBy pausedReason concurrency stats { queued running failed oldestWaitingSeconds } }
}`,
  },
  {
    description: 'API keys (admin): who may call, with which role. createApiKey shows a new key once; revokeApiKey ends one.',
    operation: /* GraphQL */ `query ApiKeys {
  apiKeys { name role createdAt lastUsedAt revokedAt }
}`,
  },
];
