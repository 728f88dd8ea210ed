// Maps raw rows (snake_case, from the drivers or from json_agg) to domain objects.
// Drivers differ: int8 may arrive as a string, timestamps as text; this is the one place that knows.
import type { Governor, HistoryEntry, Job, JobItem, Queue, Worker } from './types.ts';

type Row = Record<string, unknown>;

const num = (v: unknown) => Number(v);
const date = (v: unknown) => new Date(v as string);
export const dateOrNull = (v: unknown) => (v === null || v === undefined ? null : new Date(v as string));
const numOrNull = (v: unknown) => (v === null || v === undefined ? null : Number(v));

export function jobFromRow(r: Row): Job {
  return {
    id: num(r.id),
    runId: r.run_id as string,
    kind: r.kind as string,
    queue: r.queue as string,
    priority: num(r.priority),
    payload: r.payload as Job['payload'],
    status: r.status as Job['status'],
    attempts: num(r.attempts),
    runs: num(r.runs ?? 0),
    maxAttempts: num(r.max_attempts),
    backoff: r.backoff as Job['backoff'],
    runAt: date(r.run_at),
    dedupeKey: (r.dedupe_key as string | null) ?? null,
    governorKey: (r.governor_key as string | null) ?? null,
    workerId: (r.worker_id as string | null) ?? null,
    leaseToken: (r.lease_token as string | null) ?? null,
    leaseExpiresAt: dateOrNull(r.lease_expires_at),
    heartbeatAt: dateOrNull(r.heartbeat_at),
    controlRequest: (r.control_request as Job['controlRequest']) ?? null,
    progress: (r.progress as Job['progress']) ?? null,
    stages: (r.stages as Job['stages']) ?? [],
    checkpoint: (r.checkpoint as Job['checkpoint']) ?? null,
    itemsTotal: num(r.items_total),
    itemsProcessed: num(r.items_processed),
    itemsFailed: num(r.items_failed),
    result: (r.result as Job['result']) ?? null,
    metrics: (r.metrics as Job['metrics']) ?? null,
    lastError: (r.last_error as Job['lastError']) ?? null,
    errorLog: (r.error_log as Job['errorLog']) ?? [],
    createdBy: r.created_by as string,
    createdAt: date(r.created_at),
    updatedAt: date(r.updated_at),
    startedAt: dateOrNull(r.started_at),
    finishedAt: dateOrNull(r.finished_at),
    pausedAt: dateOrNull(r.paused_at),
    resumeCount: num(r.resume_count),
  };
}

export function jobItemFromRow(r: Row): JobItem {
  return {
    jobId: num(r.job_id),
    position: num(r.position),
    key: r.key as string,
    payload: (r.payload as JobItem['payload']) ?? null,
    status: r.status as JobItem['status'],
    error: (r.error as string | null) ?? null,
    processedAt: dateOrNull(r.processed_at),
  };
}

export function queueFromRow(r: Row): Queue {
  return {
    name: r.name as string,
    paused: Boolean(r.paused),
    pausedBy: (r.paused_by as string | null) ?? null,
    pausedReason: (r.paused_reason as string | null) ?? null,
    pausedAt: dateOrNull(r.paused_at),
    concurrency: numOrNull(r.concurrency),
    priority: num(r.priority),
    createdAt: date(r.created_at),
    updatedAt: date(r.updated_at),
  };
}

export function governorFromRow(r: Row): Governor {
  return {
    name: r.name as string,
    holder: (r.holder as string | null) ?? null,
    holderJobId: numOrNull(r.holder_job_id),
    acquiredAt: dateOrNull(r.acquired_at),
    leaseExpiresAt: dateOrNull(r.lease_expires_at),
    pending: Boolean(r.pending),
    lastScheduledAt: dateOrNull(r.last_scheduled_at),
    updatedAt: date(r.updated_at),
  };
}

export function workerFromRow(r: Row): Worker {
  return {
    id: r.id as string,
    host: r.host as string,
    pid: num(r.pid),
    queues: (r.queues as string[] | null) ?? null,
    concurrency: num(r.concurrency),
    kinds: (r.kinds as string[] | null) ?? [],
    status: r.status as Worker['status'],
    startedAt: date(r.started_at),
    lastSeenAt: date(r.last_seen_at),
    stoppedAt: dateOrNull(r.stopped_at),
  };
}

export function historyFromRow(r: Row): HistoryEntry {
  return {
    id: num(r.id),
    at: date(r.at),
    actor: r.actor as string,
    operation: r.operation as string,
    targetType: r.target_type as string,
    targetId: r.target_id as string,
    before: (r.before as HistoryEntry['before']) ?? null,
    after: (r.after as HistoryEntry['after']) ?? null,
    reason: (r.reason as string | null) ?? null,
  };
}
