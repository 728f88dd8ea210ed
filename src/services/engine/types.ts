// The engine's domain objects, as services return them.

export const JOB_STATUSES = ['queued', 'running', 'paused', 'completed', 'failed', 'cancelled'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export interface JobProgress {
  percent: number;
  stage?: string | null;
  message?: string | null;
}

export interface JobStage {
  name: string;
  status: 'pending' | 'running' | 'completed';
  startedAt?: string;
  finishedAt?: string;
}

export interface JobCheckpoint {
  stage: string;
  data: Json;
  at: string;
}

export type ErrorClass = 'fatal' | 'transient' | 'item';

export interface JobError {
  message: string;
  class: ErrorClass;
  /** The attempt of the current try (see Job.attempts). */
  attempt: number;
  /** The run it happened in (Job.runs at the time); absent in entries written before runs were numbered. */
  run?: number;
  at: string;
  /** The item that failed, for item-level errors. */
  item?: string;
}

export interface BackoffPolicy {
  strategy: 'exponential' | 'fixed';
  baseMs: number;
  maxMs: number;
  /** 0..1: the share of each delay that is randomised. */
  jitter: number;
}

export interface Job {
  id: number;
  runId: string;
  kind: string;
  queue: string;
  priority: number;
  payload: JsonObject;
  status: JobStatus;
  /** Attempts used of the current try: reset by retryJob, given back by a pause or a release. */
  attempts: number;
  /** Runs started, ever: the number of the latest run. Only grows. */
  runs: number;
  maxAttempts: number;
  backoff: BackoffPolicy;
  runAt: Date;
  dedupeKey: string | null;
  governorKey: string | null;
  workerId: string | null;
  leaseToken: string | null;
  leaseExpiresAt: Date | null;
  heartbeatAt: Date | null;
  controlRequest: 'pause' | 'cancel' | null;
  progress: JobProgress | null;
  stages: JobStage[];
  checkpoint: JobCheckpoint | null;
  itemsTotal: number;
  itemsProcessed: number;
  itemsFailed: number;
  result: Json | null;
  metrics: JsonObject | null;
  lastError: JobError | null;
  errorLog: JobError[];
  createdBy: string;
  createdAt: Date;
  updatedAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  pausedAt: Date | null;
  resumeCount: number;
}

export interface JobItem {
  jobId: number;
  position: number;
  key: string;
  payload: Json | null;
  status: 'pending' | 'processed' | 'failed';
  error: string | null;
  processedAt: Date | null;
}

export interface Queue {
  name: string;
  paused: boolean;
  pausedBy: string | null;
  pausedReason: string | null;
  pausedAt: Date | null;
  concurrency: number | null;
  priority: number;
  createdAt: Date;
  updatedAt: Date;
}

export interface QueueStats {
  queue: string;
  counts: Record<JobStatus, number>;
  /** Seconds the oldest due job has waited past its run-at time; 0 when none waits. */
  oldestWaitingSeconds: number;
}

export interface Governor {
  name: string;
  holder: string | null;
  holderJobId: number | null;
  acquiredAt: Date | null;
  leaseExpiresAt: Date | null;
  pending: boolean;
  lastScheduledAt: Date | null;
  updatedAt: Date;
}

export interface Worker {
  id: string;
  host: string;
  pid: number;
  queues: string[] | null;
  concurrency: number;
  /** The job kinds it has handlers for. */
  kinds: string[];
  status: 'running' | 'stopping' | 'stopped' | 'dead';
  startedAt: Date;
  lastSeenAt: Date;
  stoppedAt: Date | null;
}

export interface HistoryEntry {
  id: number;
  at: Date;
  actor: string;
  operation: string;
  targetType: string;
  targetId: string;
  before: Json | null;
  after: Json | null;
  reason: string | null;
}

/** Who asked for a change: an API key name, a worker id, `supervisor` or `cli`. */
export interface Actor {
  actor: string;
  reason?: string | null;
}
