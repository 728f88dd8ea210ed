// What support staff find in GraphiQL when they open it: ready operations to edit and run.
export const graphiqlExamples = /* GraphQL */ `# Welcome to Pressroom. Pick an operation with the run button's menu.

# Find a job by its run id (or numeric id), with its progress, items and recent history.
query FindJob($id: ID! = "document-process-20261123-XXXXXXXXXX") {
  job(id: $id) {
    runId kind status attempts maxAttempts
    progress { percent stage message }
    stages { name status }
    itemsTotal itemsProcessed itemsFailed
    lastError { message class attempt at }
    history(first: 10) { edges { node { at actor operation before after reason } } }
  }
}

# Failed jobs, newest first.
query FailedJobs {
  jobs(first: 20, filter: { status: [failed] }) {
    edges { node { id runId kind queueName lastError { message } finishedAt } }
    pageInfo { hasNextPage endCursor }
  }
}

# Retry a failed job, saying why (recorded in the history with your key's name).
mutation RetryJob($id: ID! = "document-process-20261123-XXXXXXXXXX") {
  retryJob(id: $id, reason: "printer back online") {
    __typename
    ... on Job { runId status }
    ... on Error { message code }
  }
}

# Follow a job's progress live: its state now, then every change and progress report (GraphiQL
# subscribes over the same endpoint; press stop to end it).
subscription FollowJob($id: ID! = "document-process-20261123-XXXXXXXXXX") {
  job(id: $id) {
    runId status attempts
    progress { percent stage message }
    stages { name status }
    itemsTotal itemsProcessed itemsFailed
    lastError { message class }
    updatedAt
  }
}

# Read a job's history.
query JobHistory($id: ID! = "document-process-20261123-XXXXXXXXXX") {
  job(id: $id) { history(first: 50) { edges { node { at actor operation before after reason } } } }
}

# Queues at a glance.
query Queues {
  queues { name paused pausedBy pausedReason concurrency stats { queued running failed oldestWaitingSeconds } }
}
`;
