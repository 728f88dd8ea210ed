// The print operator's runbook (docs/print.md) as ready GraphiQL operations.
import type { GraphiqlExample } from './types.ts';

export const printExamples: GraphiqlExample[] = [
  {
    description: 'Print pipeline at a glance: both lanes with their row counts, the print governor and its current cycle.',
    operation: `query PrintOverview {
  printLanes { lane paused pausedBy pausedReason counts { queued processing exported failedExport cancelled } }
  printGovernor { isPrinting pendingPrintCycle lastPrintScheduleAt currentCycle { runId status progress { percent message } } }
}`,
  },
  {
    description: 'Scans, newest first, with their slices, batches and rows counted by status.',
    operation: `query PrintScans {
  printScans(first: 20) {
    edges { node { id scopeName lane status documentsTotal slicesTotal createdAt finishedAt
      counts { slices { status count } batches { status count } rows { status count } } } }
  }
}`,
  },
  {
    description: 'Pause a lane (its slices wait, cycles skip its rows; the other lane goes on). Say why: it is recorded with your key.',
    operation: `mutation PausePrintLane($lane: String! = "historical") {
  pausePrintLane(lane: $lane, reason: "paper change on press 2") {
    __typename
    ... on PrintLane { lane paused pausedBy pausedReason }
    ... on Error { message }
  }
}`,
  },
  {
    description: 'Resume a lane: its waiting slices start and a print cycle is asked for.',
    operation: `mutation ResumePrintLane($lane: String! = "historical") {
  resumePrintLane(lane: $lane, reason: "paper loaded") {
    __typename
    ... on PrintLane { lane paused }
    ... on Error { message }
  }
}`,
  },
  {
    description: 'Failed rows (FailedExport): which documents, how many attempts, the last error.',
    operation: `query FailedPrintRows($errorContains: String) {
  printExportRows(first: 50, filter: { status: [failed_export], errorContains: $errorContains }) {
    edges { node { id lane documentKey attempts lastAttemptAt errorMessage scanId batchId heldByJobId } }
    pageInfo { hasNextPage endCursor }
  }
}`,
  },
  {
    description: 'Requeue failed rows (by lane, scan, document key or error text): back to Queued with fresh attempts; a print cycle follows.',
    operation: `mutation RequeueFailedRows($errorContains: String = "paper jam") {
  requeueExportRows(filter: { errorContains: $errorContains }, reason: "jam cleared") {
    __typename
    ... on RequeueExportRowsReport { requeued batchesReopened slicesReopened scansReopened }
    ... on Error { message }
  }
}`,
  },
  {
    description: 'Is the printer stuck? A dry run says what recovery would do, without doing it.',
    operation: `mutation CheckStuckPrinter {
  detectStuckPrinter(dryRun: true, reason: "checking") {
    __typename
    ... on StuckPrinterReport { stuck reason cycle { runId status lease { workerId expiresAt heartbeatAt } } }
    ... on Error { message }
  }
}`,
  },
  {
    description: 'Recover a stuck printer: reset its processing rows, cancel the cycle, clear IsPrinting and the pending cycle. Then check the governor.',
    operation: `mutation RecoverStuckPrinter {
  detectStuckPrinter(reason: "cycle made no progress since the jam") {
    __typename
    ... on StuckPrinterReport { stuck reason rowsReset pendingCleared governorReleased cycle { runId status } }
    ... on Error { message }
  }
}`,
  },
  {
    description: 'Release the print lock when no cycle is active (the seed\'s healPrintLocks).',
    operation: `mutation HealPrintLocks {
  healPrintLocks(reason: "lock left after restart") {
    __typename
    ... on PrintLockHealReport { released reason governor { isPrinting pendingPrintCycle } }
    ... on Error { message }
  }
}`,
  },
  {
    description: 'Look for stuck scans, slices and cycles, and queued rows without a cycle, and count the finished scans past retentionPrintScansDays (dryRun: false raises alerts and purges them).',
    operation: `mutation PrintMaintenance {
  runPrintMaintenance(dryRun: true, reason: "morning check") {
    __typename
    ... on PrintMaintenanceReport { dryRun findings { kind targetType targetId message } cycleRequested purged { scans slices batches rows } }
    ... on Error { message }
  }
}`,
  },
  {
    description: 'Print documents again on purpose (the seed\'s deleteForScan): forget what a scan printed (all of it, or only some keys). A later scan of a scope covering them prints them again; the production lane\'s recurring scan does so within a minute.',
    operation: `mutation ForgetPrintedDocuments($scanId: ID! = "1", $documentKeys: [String!] = ["INV-1001"]) {
  forgetPrintedDocuments(scanId: $scanId, documentKeys: $documentKeys, reason: "customer lost the paper copy") {
    __typename
    ... on ForgetPrintedDocumentsReport { scanId markersDeleted keysWithoutMarker }
    ... on Error { message }
  }
}`,
  },
  {
    description: 'Ask for a print cycle (the seed\'s notifyBatchReady): one starts, or one more follows the running one.',
    operation: `mutation RequestPrintCycle {
  requestPrintCycle(reason: "rows waiting after restart") {
    __typename
    ... on PrintCycleRequest { pending job { runId status } }
    ... on Error { message }
  }
}`,
  },
  {
    description: 'Follow the print governor and the current cycle\'s progress live.',
    operation: `subscription FollowPrinting {
  printGovernor { isPrinting pendingPrintCycle currentCycle { runId progress { percent message } } }
}`,
  },
];
