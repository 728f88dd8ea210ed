// The handler API: one handler per job kind, registered by name. A handler receives its job and
// a context to report through; the engine does the rest (claiming, leases, retries, history).
import type { Logger } from 'pino';
import type { z } from 'zod';
import type { ServiceContext } from '../services/context.ts';
import type { Job, JobCheckpoint, JobItem, Json, JobProgress } from '../services/engine/types.ts';

export interface HandlerContext<Payload> {
  job: Job;
  payload: Payload;
  /** Aborted when a pause or cancel is asked, the worker shuts down, or the run lost its lease. */
  signal: AbortSignal;
  log: Logger;
  /**
   * The services, for a handler whose work is itself a change of state (a bulk operation, a
   * domain's own steps): it changes state only through them, never through tables.
   */
  services: ServiceContext;
  /** The last checkpoint a previous run saved: a resumed or retried job starts from here. */
  lastCheckpoint: JobCheckpoint | null;
  /**
   * Reports progress; frequent calls are coalesced. A stop point: throws JobInterrupted when a
   * pause or cancel was asked of the run (heard from an earlier report, NOTIFY or lease renewal).
   */
  progress(progress: JobProgress): void;
  /**
   * Runs a named stage and checkpoints its result. On a resumed or retried job, a stage an
   * earlier run completed is skipped and its saved result returned. A stop point before the
   * stage starts and once its result is saved (the stage is then completed, never run again).
   */
  stage<T extends Json | void>(name: string, work: () => Promise<T>): Promise<T>;
  /** Saves a checkpoint; stops the handler (throws JobInterrupted) if a pause or cancel is waiting. */
  checkpoint(stage: string, data: Json): Promise<void>;
  /**
   * Runs `work` on each item not yet processed, in order. An ItemError (or any error that is not
   * fatal, transient or an interruption) marks the item failed and goes on. A stop point before
   * each item and after each item's outcome is recorded.
   */
  items(work: (item: JobItem) => Promise<void>): Promise<{ processed: number; failed: number }>;
  /** Adds to the job's metrics (cost, tokens, …); durationMs is measured for you. */
  addMetrics(metrics: Record<string, number>): void;
}

export interface JobHandler<Payload = Record<string, Json>> {
  kind: string;
  /** The stages the handler goes through, shown before they run. */
  stages?: string[];
  /** Validates the payload; a payload that does not match fails the job as fatal. */
  payload?: z.ZodType<Payload>;
  run(context: HandlerContext<Payload>): Promise<Json | void>;
  /** Enqueued by the engine only (see KindDefinition.internal). */
  internal?: boolean;
  /** The governor this kind owns (see KindDefinition.governor). */
  governor?: string;
}

export function defineHandler<Payload>(handler: JobHandler<Payload>): JobHandler<Payload> {
  return handler;
}

export type HandlerRegistry = ReadonlyMap<string, JobHandler<any>>;

export function createRegistry(handlers: JobHandler<any>[]): HandlerRegistry {
  const registry = new Map<string, JobHandler<any>>();
  for (const handler of handlers) {
    if (registry.has(handler.kind)) throw new Error(`two handlers for job kind ${handler.kind}`);
    registry.set(handler.kind, handler);
  }
  return registry;
}
