// Production tracking operations for support staff in GraphiQL.
import type { GraphiqlExample } from './types.ts';

export const trackingExamples: GraphiqlExample[] = [
  {
    description:
      'Why is job 4604_5889 not marked printed? Its operations (status, who, when, notes such as "partial print: 3 of 4 files printed"), ' +
      'what each press event and scan said (applied: false when a newer result was kept), its impositions and their print status, ' +
      'and whether records are waiting or rejected.',
    operation: /* GraphQL */ `query WhyNotPrinted($jobId: String! = "4604_5889") {
  productionJob(jobId: $jobId) {
    jobId versionTag done
    operations { name status done completedAt completedBy sourceId notes }
    updates(first: 20) { edges { node { eventAt sourceType sourceId operationId status applied notes } } }
    impositions { impositionId runlistIds fileIds operations { name status completedAt notes } }
  }
  trackingMarkers { source lastProcessedId waiting lagSeconds rejectsOpen }
}`,
  },
  {
    description: 'Press events of one imposition, newest first, with what processing made of each (rejected ones carry their reason).',
    operation: /* GraphQL */ `query ImpositionEvents($impositionId: String! = "IMP-20261130-001") {
  printOsEvents(first: 20, filter: { key: $impositionId }) {
    edges { node { id marker status completeTime copies outcome { state reason attempts } } }
  }
}`,
  },
  {
    description: 'Rejected scans and their reasons (unknown operation, unknown code, missing production job, malformed file id).',
    operation: /* GraphQL */ `query RejectedScans {
  scans(first: 50, filter: { state: REJECTED }) {
    edges { node { id scanId codeText scannedAt operations outcome { reason attempts processedAt } } }
  }
}`,
  },
  {
    description: 'Production jobs whose print is partial, and those with coating not done on a runlist.',
    operation: /* GraphQL */ `query PartialPrints($runlistId: String = null) {
  partial: productionJobs(first: 50, filter: { partialPrint: true }) {
    edges { node { jobId name dueDate operations { name status notes } } }
  }
  coatingNotDone: productionJobs(first: 50, filter: { operationNotDone: "coating", runlistId: $runlistId }) {
    edges { node { jobId operations { name status } } }
  }
}`,
  },
  {
    description: 'After fixing the reference data (a missing imposition, a new operation): process the rejects again, then process now.',
    operation: /* GraphQL */ `mutation ReprocessRejects($reasonContains: String = "unknown operation") {
  reprocessRejects(reasonContains: $reasonContains, reason: "operation added to the catalogue") {
    __typename
    ... on TrackingReprocessResult { queued }
    ... on Error { message code }
  }
  processStatusUpdates(source: BOTH) {
    __typename
    ... on TrackingProcessRun { processed rejected jobsUpdated sources { source lastMarker } }
    ... on Error { message code }
  }
}`,
  },
  {
    description: 'Follow a production job live: its operations now, then each time a press event or scan changes them.',
    operation: /* GraphQL */ `subscription FollowProductionJob($jobId: String! = "4604_5889") {
  productionJob(jobId: $jobId) { jobId done operations { name status completedAt completedBy notes } }
}`,
  },
  {
    description: 'Follow tracking progress: records waiting per source, the lag, the rejects.',
    operation: /* GraphQL */ `subscription TrackingProgress {
  trackingProgress { source lastProcessedId waiting lagSeconds rejectsOpen lastProcessedAt }
}`,
  },
];
