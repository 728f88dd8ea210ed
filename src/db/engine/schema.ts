// The engine's tables. drizzle-kit generates the SQL migrations in drizzle/ from this file.
// Only src/services writes to these tables.
import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  check,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';

const at = (name: string) => timestamp(name, { withTimezone: true, mode: 'string' });

export const queues = pgTable('queues', {
  name: text('name').primaryKey(),
  paused: boolean('paused').notNull().default(false),
  pausedBy: text('paused_by'),
  pausedReason: text('paused_reason'),
  pausedAt: at('paused_at'),
  /** Most jobs of this queue running at once across all workers; null means no limit. */
  concurrency: integer('concurrency'),
  priority: integer('priority').notNull().default(0),
  createdAt: at('created_at').notNull().defaultNow(),
  updatedAt: at('updated_at').notNull().defaultNow(),
});

export const jobs = pgTable(
  'jobs',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    runId: text('run_id').notNull(),
    kind: text('kind').notNull(),
    queue: text('queue').notNull(),
    priority: integer('priority').notNull().default(0),
    payload: jsonb('payload').notNull().default({}),
    status: text('status').notNull().default('queued'),
    /** Attempts of the current try: reset by an operator's retry, given back by a pause or a release. */
    attempts: integer('attempts').notNull().default(0),
    /** How many times a worker has taken the job, ever: the number of its latest run. Only grows. */
    runs: integer('runs').notNull().default(0),
    maxAttempts: integer('max_attempts').notNull(),
    backoff: jsonb('backoff').notNull(),
    runAt: at('run_at').notNull().defaultNow(),
    dedupeKey: text('dedupe_key'),
    governorKey: text('governor_key'),
    workerId: text('worker_id'),
    /** Fencing token of the current run: a worker may change the job only while it holds it. */
    leaseToken: text('lease_token'),
    leaseExpiresAt: at('lease_expires_at'),
    heartbeatAt: at('heartbeat_at'),
    /** 'pause' or 'cancel' asked of the worker running the job; honoured at its next checkpoint. */
    controlRequest: text('control_request'),
    progress: jsonb('progress'),
    stages: jsonb('stages').notNull().default([]),
    checkpoint: jsonb('checkpoint'),
    itemsTotal: integer('items_total').notNull().default(0),
    itemsProcessed: integer('items_processed').notNull().default(0),
    itemsFailed: integer('items_failed').notNull().default(0),
    result: jsonb('result'),
    metrics: jsonb('metrics'),
    lastError: jsonb('last_error'),
    errorLog: jsonb('error_log').notNull().default([]),
    createdBy: text('created_by').notNull(),
    createdAt: at('created_at').notNull().defaultNow(),
    updatedAt: at('updated_at').notNull().defaultNow(),
    startedAt: at('started_at'),
    finishedAt: at('finished_at'),
    pausedAt: at('paused_at'),
    resumeCount: integer('resume_count').notNull().default(0),
  },
  (t) => [
    check('jobs_status_check', sql`status in ('queued', 'running', 'paused', 'completed', 'failed', 'cancelled')`),
    // Run ids are unique; text_pattern_ops serves both a lookup by run id and run-id prefix filters
    // (the dashboard's search box) in any collation: one index where there were two (0010).
    uniqueIndex('jobs_run_id_unique').on(t.runId.op('text_pattern_ops')),
    // Race-free dedupe: one live job per key; finished jobs free the key.
    uniqueIndex('jobs_dedupe_key_live')
      .on(t.dedupeKey)
      .where(sql`dedupe_key is not null and status in ('queued', 'running', 'paused')`),
    // The claim scan: only ready rows, already in claim order.
    index('jobs_ready').on(t.priority.desc().nullsFirst(), t.runAt, t.id).where(sql`status = 'queued'`),
    index('jobs_governed_ready').on(t.governorKey).where(sql`status = 'queued' and governor_key is not null`),
    index('jobs_running_lease').on(t.leaseExpiresAt).where(sql`status = 'running'`),
    // Pages of jobs are newest first by id: a filter on status, kind, or queue and status walks
    // one of these in that order and stops after a page, at any depth of the keyset.
    index('jobs_status_id').on(t.status, t.id),
    index('jobs_kind_id').on(t.kind, t.id),
    // run_at last (drizzle has no INCLUDE): a queue's counts per status and its oldest due job
    // come from the index alone; so does the running count a queue's concurrency limit needs.
    index('jobs_queue_status_id').on(t.queue, t.status, t.id, t.runAt),
    // The per-minute metrics rollup reads the jobs finished in a few minutes, never the table.
    index('jobs_finished_at').on(t.finishedAt).where(sql`finished_at is not null`),
  ],
);

export const jobItems = pgTable(
  'job_items',
  {
    jobId: bigint('job_id', { mode: 'number' })
      .notNull()
      .references(() => jobs.id, { onDelete: 'cascade' }),
    position: integer('position').notNull(),
    key: text('key').notNull(),
    payload: jsonb('payload'),
    status: text('status').notNull().default('pending'),
    error: text('error'),
    processedAt: at('processed_at'),
  },
  (t) => [
    check('job_items_status_check', sql`status in ('pending', 'processed', 'failed')`),
    primaryKey({ columns: [t.jobId, t.position] }),
    index('job_items_pending').on(t.jobId, t.position).where(sql`status = 'pending'`),
  ],
);

export const governors = pgTable('governors', {
  name: text('name').primaryKey(),
  holder: text('holder'),
  /** Set when the holder is a job: the governor is released with that job. */
  holderJobId: bigint('holder_job_id', { mode: 'number' }),
  acquiredAt: at('acquired_at'),
  leaseExpiresAt: at('lease_expires_at'),
  /** A run was requested while busy: run once more after release. */
  pending: boolean('pending').notNull().default(false),
  /** The job to enqueue for the pending run, when the request named one. */
  pendingJob: jsonb('pending_job'),
  lastScheduledAt: at('last_scheduled_at'),
  updatedAt: at('updated_at').notNull().defaultNow(),
});

export const workers = pgTable(
  'workers',
  {
    id: text('id').primaryKey(),
    host: text('host').notNull(),
    pid: integer('pid').notNull(),
    queues: jsonb('queues').notNull(),
    concurrency: integer('concurrency').notNull(),
    /** The job kinds this worker has handlers for. */
    kinds: jsonb('kinds').notNull().default([]),
    status: text('status').notNull().default('running'),
    startedAt: at('started_at').notNull().defaultNow(),
    lastSeenAt: at('last_seen_at').notNull().defaultNow(),
    stoppedAt: at('stopped_at'),
    /**
     * Server mode: the key of the session-level advisory lock the worker holds on a connection of
     * its own while it lives; the lock vanishes with the process (src/services/engine/liveness.ts).
     */
    livenessKey: integer('liveness_key'),
  },
  (t) => [index('workers_status_seen').on(t.status, t.lastSeenAt)],
);

/**
 * Job kinds that workers announced when they started (name, stages, payload JSON Schema): kinds
 * defined in code the API process does not load are known from here.
 */
export const jobKinds = pgTable('job_kinds', {
  kind: text('kind').primaryKey(),
  stages: jsonb('stages').notNull().default([]),
  payloadSchema: jsonb('payload_schema'),
  announcedBy: text('announced_by').notNull(),
  updatedAt: at('updated_at').notNull().defaultNow(),
});

export const history = pgTable(
  'history',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    at: at('at').notNull().defaultNow(),
    actor: text('actor').notNull(),
    operation: text('operation').notNull(),
    targetType: text('target_type').notNull(),
    targetId: text('target_id').notNull(),
    before: jsonb('before'),
    after: jsonb('after'),
    reason: text('reason'),
  },
  (t) => [
    index('history_target').on(t.targetType, t.targetId, t.id),
    index('history_actor').on(t.actor, t.id),
    index('history_operation').on(t.operation, t.id),
    index('history_at').on(t.at),
  ],
);

export const apiKeys = pgTable(
  'api_keys',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    name: text('name').notNull(),
    role: text('role').notNull(),
    /** sha256 of the key: the key itself is shown once, at creation. */
    keyHash: text('key_hash').notNull(),
    createdAt: at('created_at').notNull().defaultNow(),
    revokedAt: at('revoked_at'),
    lastUsedAt: at('last_used_at'),
  },
  (t) => [
    check('api_keys_role_check', sql`role in ('viewer', 'operator', 'admin', 'ingest')`),
    uniqueIndex('api_keys_hash_key').on(t.keyHash),
    uniqueIndex('api_keys_live_name').on(t.name).where(sql`revoked_at is null`),
  ],
);

/** Runtime settings: typed values with defaults in src/services/settings; every change bumps the version. */
export const settings = pgTable('settings', {
  key: text('key').primaryKey(),
  value: jsonb('value').notNull(),
  version: integer('version').notNull().default(1),
  updatedBy: text('updated_by').notNull(),
  updatedAt: at('updated_at').notNull().defaultNow(),
});

/** One row per supervisor tick: who ran it, what each task did, how long it took. */
export const supervisorTicks = pgTable(
  'supervisor_ticks',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    holder: text('holder').notNull(),
    startedAt: at('started_at').notNull(),
    finishedAt: at('finished_at').notNull(),
    durationMs: integer('duration_ms').notNull(),
    /** Per task: counts, or an error message. */
    results: jsonb('results').notNull(),
    trigger: text('trigger').notNull().default('schedule'),
  },
  (t) => [index('supervisor_ticks_started').on(t.startedAt)],
);

/** Recurring schedules: a cron expression that enqueues a job of a kind with a payload. */
export const schedules = pgTable('schedules', {
  id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
  name: text('name').notNull().unique(),
  cron: text('cron').notNull(),
  timezone: text('timezone').notNull().default('UTC'),
  kind: text('kind').notNull(),
  queue: text('queue').notNull().default('default'),
  payload: jsonb('payload').notNull().default({}),
  paused: boolean('paused').notNull().default(false),
  /** The last slot fired: each slot fires once, whichever process supervises. */
  lastSlotAt: at('last_slot_at'),
  nextSlotAt: at('next_slot_at'),
  createdBy: text('created_by').notNull(),
  createdAt: at('created_at').notNull().defaultNow(),
  updatedAt: at('updated_at').notNull().defaultNow(),
});

/** Alerts raised by the supervisor (stuck work, ...): one open alert per kind and target. */
export const alerts = pgTable(
  'alerts',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    kind: text('kind').notNull(),
    severity: text('severity').notNull(),
    targetType: text('target_type').notNull(),
    targetId: text('target_id').notNull(),
    message: text('message').notNull(),
    details: jsonb('details'),
    raisedAt: at('raised_at').notNull().defaultNow(),
    lastSeenAt: at('last_seen_at').notNull().defaultNow(),
    acknowledgedAt: at('acknowledged_at'),
    acknowledgedBy: text('acknowledged_by'),
    resolvedAt: at('resolved_at'),
  },
  (t) => [
    check('alerts_severity_check', sql`severity in ('info', 'warning', 'critical')`),
    uniqueIndex('alerts_open_per_target').on(t.kind, t.targetType, t.targetId).where(sql`resolved_at is null`),
    index('alerts_raised').on(t.raisedAt),
  ],
);

/**
 * Per minute, queue and kind: the jobs that finished in it, and histograms of their wait time
 * (run-at to start) and run time (start to finish) in fixed buckets (src/services/engine/metrics),
 * which add up over any range: percentiles of an hour or a day read 60 or 1,440 rows per series.
 */
export const jobMetricsMinutes = pgTable(
  'job_metrics_minutes',
  {
    minute: at('minute').notNull(),
    queue: text('queue').notNull(),
    kind: text('kind').notNull(),
    completed: integer('completed').notNull().default(0),
    failed: integer('failed').notNull().default(0),
    cancelled: integer('cancelled').notNull().default(0),
    waitBuckets: integer('wait_buckets').array().notNull(),
    runBuckets: integer('run_buckets').array().notNull(),
  },
  (t) => [primaryKey({ columns: [t.minute, t.queue, t.kind] })],
);
