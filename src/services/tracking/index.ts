// Production tracking's services (seed 001), for the API, the CLI and the handlers.
export * from './types.ts';
export { parseFileId, jobIdOfFile, parseJobCode } from './fileId.ts';
export { recordPrintOsEvents, recordScans, MAX_INGEST_BATCH, type IngestResult } from './ingest.ts';
export { upsertTrackingReference, type ReferenceInput, type ReferenceCounts } from './referenceData.ts';
export { processPending } from './processor.ts';
export { processStatusUpdates, reprocessTracking, reprocessRejects, requestTrackingRun } from './runs.ts';
export { getProductionJobs, listProductionJobs, listImpositions, listRunlists, operationsOf, statusUpdatesOf } from './readJobs.ts';
export { listMarkers, listRecords } from './readRecords.ts';
export { followTrackingSchedule, syncTrackingSchedule } from './schedule.ts';
