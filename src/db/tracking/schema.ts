// Production tracking's tables (seed 001). drizzle-kit generates the SQL migrations in drizzle/
// from this file. Only src/services/tracking writes to them. The shop's "production job"
// (job id such as 4604_5889) is not the engine's job: its tables say production_job.
import { sql } from 'drizzle-orm';
import { bigint, boolean, check, index, integer, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';

const at = (name: string) => timestamp(name, { withTimezone: true, mode: 'string' });

// ---------------------------------------------------------------------------------------------
// Incoming records: stored as they arrive, never edited. `id` is our own sequence: the marker.

export const printOsEvents = pgTable(
  'print_os_events',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    /** The press that sent it; with its marker, the source key. */
    device: text('device').notNull(),
    /** The press's own sequential number. */
    marker: bigint('marker', { mode: 'number' }).notNull(),
    /** Print OS `name`: the imposition id. */
    impositionId: text('imposition_id').notNull(),
    status: text('status').notNull(),
    jobName: text('job_name'),
    itemId: text('item_id'),
    completeTime: at('complete_time').notNull(),
    copies: integer('copies'),
    payload: jsonb('payload'),
    receivedAt: at('received_at').notNull().defaultNow(),
  },
  (t) => [
    check('print_os_events_status_check', sql`status in ('PRINTED', 'ABORTED')`),
    uniqueIndex('print_os_events_source_key').on(t.device, t.marker),
    index('print_os_events_imposition').on(t.impositionId, t.id),
  ],
);

export const scans = pgTable(
  'scans',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    /** The scanner's id for the scan: the source key. */
    scanId: text('scan_id').notNull(),
    codeText: text('code_text').notNull(),
    scannedAt: at('scanned_at').notNull(),
    machineId: text('machine_id'),
    userId: text('user_id'),
    operations: jsonb('operations').notNull(),
    metadata: jsonb('metadata'),
    receivedAt: at('received_at').notNull().defaultNow(),
  },
  (t) => [uniqueIndex('scans_source_key').on(t.scanId), index('scans_code').on(t.codeText, t.id)],
);

/**
 * Records stored and not yet processed, written in the record's own transaction. The processor
 * reads this, not `id > marker`: a record whose transaction commits after a higher id was
 * processed is still here, and is processed next.
 */
export const trackingPending = pgTable(
  'tracking_pending',
  {
    source: text('source').notNull(),
    recordId: bigint('record_id', { mode: 'number' }).notNull(),
    queuedAt: at('queued_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.source, t.recordId] })],
);

/** What processing made of each record: processed, or rejected with its reason. */
export const trackingOutcomes = pgTable(
  'tracking_outcomes',
  {
    source: text('source').notNull(),
    recordId: bigint('record_id', { mode: 'number' }).notNull(),
    outcome: text('outcome').notNull(),
    /** Why it was rejected (null when processed). */
    reason: text('reason'),
    /** production jobs whose status this record changed */
    jobsUpdated: integer('jobs_updated').notNull().default(0),
    attempts: integer('attempts').notNull().default(1),
    processedAt: at('processed_at').notNull().defaultNow(),
  },
  (t) => [
    check('tracking_outcomes_outcome_check', sql`outcome in ('processed', 'rejected')`),
    primaryKey({ columns: [t.source, t.recordId] }),
    index('tracking_outcomes_rejected').on(t.source, t.recordId).where(sql`outcome = 'rejected'`),
  ],
);

/** Per source: the highest record processed, counts, and when. */
export const processingMarkers = pgTable('processing_markers', {
  source: text('source').primaryKey(),
  lastProcessedId: bigint('last_processed_id', { mode: 'number' }).notNull().default(0),
  lastProcessedAt: at('last_processed_at'),
  processedCount: bigint('processed_count', { mode: 'number' }).notNull().default(0),
  rejectedCount: bigint('rejected_count', { mode: 'number' }).notNull().default(0),
  updatedAt: at('updated_at').notNull().defaultNow(),
});

// ---------------------------------------------------------------------------------------------
// Reference data, loaded by upserts (GraphQL, `pressroom tracking import`).

export const productionJobs = pgTable('production_jobs', {
  jobId: text('job_id').primaryKey(),
  versionTag: text('version_tag'),
  name: text('name'),
  dueDate: at('due_date'),
  createdAt: at('created_at').notNull().defaultNow(),
  updatedAt: at('updated_at').notNull().defaultNow(),
});

/** The operation catalogue: op003 ↔ coating, print, ... */
export const trackingOperations = pgTable(
  'tracking_operations',
  {
    operationId: text('operation_id').primaryKey(),
    name: text('name').notNull(),
    sequenceOrder: integer('sequence_order').notNull().default(0),
    required: boolean('required').notNull().default(true),
  },
  (t) => [uniqueIndex('tracking_operations_name').on(t.name)],
);

/** The seed's tracking columns, shared by job and imposition operations. */
const trackingColumns = () => ({
  sequenceOrder: integer('sequence_order').notNull().default(0),
  required: boolean('required').notNull().default(true),
  /** completed | partial | aborted; null while nothing was reported. */
  status: text('status'),
  /** The event time of the result kept (the most recent wins). */
  completedAt: at('completed_at'),
  /** print_os | scanner */
  completedBy: text('completed_by'),
  /** Our record id of the event (print_os_events.id or scans.id). */
  sourceId: bigint('source_id', { mode: 'number' }),
  notes: text('notes'),
  updatedAt: at('updated_at').notNull().defaultNow(),
});

export const productionJobOperations = pgTable(
  'production_job_operations',
  { jobId: text('job_id').notNull(), operationId: text('operation_id').notNull(), ...trackingColumns() },
  (t) => [
    primaryKey({ columns: [t.jobId, t.operationId] }),
    index('production_job_operations_completed').on(t.completedAt),
    index('production_job_operations_source').on(t.completedBy, t.sourceId),
    index('production_job_operations_updated').on(t.updatedAt),
  ],
);

export const impositions = pgTable('impositions', {
  impositionId: text('imposition_id').primaryKey(),
  createdAt: at('created_at').notNull().defaultNow(),
});

export const impositionOperations = pgTable(
  'imposition_operations',
  { impositionId: text('imposition_id').notNull(), operationId: text('operation_id').notNull(), ...trackingColumns() },
  (t) => [primaryKey({ columns: [t.impositionId, t.operationId] }), index('imposition_operations_source').on(t.completedBy, t.sourceId)],
);

/** imposition → file; the production job is parsed from the file id once, when it is loaded (null: malformed). */
export const impositionFiles = pgTable(
  'imposition_files',
  {
    impositionId: text('imposition_id').notNull(),
    fileId: text('file_id').notNull(),
    jobId: text('job_id'),
  },
  (t) => [primaryKey({ columns: [t.impositionId, t.fileId] }), index('imposition_files_job').on(t.jobId)],
);

/** Runlist → impositions (the seed's production_planner_paths). */
export const runlistImpositions = pgTable(
  'runlist_impositions',
  {
    runlistId: text('runlist_id').notNull(),
    impositionId: text('imposition_id').notNull(),
    createdAt: at('created_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.runlistId, t.impositionId] }), index('runlist_impositions_imposition').on(t.impositionId)],
);

// ---------------------------------------------------------------------------------------------
// Results

/** Every status update a record made, once per (source, record, production job, operation). */
export const productionStatusUpdates = pgTable(
  'production_status_updates',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    sourceType: text('source_type').notNull(),
    sourceId: bigint('source_id', { mode: 'number' }).notNull(),
    jobId: text('job_id').notNull(),
    operationId: text('operation_id').notNull(),
    status: text('status').notNull(),
    notes: text('notes'),
    /** The event's time (press complete time, scan time). */
    eventAt: at('event_at').notNull(),
    /** False when a newer result was kept (a late or replayed older event). */
    applied: boolean('applied').notNull(),
    createdAt: at('created_at').notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('production_status_updates_once').on(t.sourceType, t.sourceId, t.jobId, t.operationId),
    index('production_status_updates_job').on(t.jobId, t.id),
  ],
);
