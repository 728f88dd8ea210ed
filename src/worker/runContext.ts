// Builds the context a handler runs with: every report goes through src/services, fenced by the
// run's lease token; a waiting pause or cancel turns into JobInterrupted at the next report.
import type { Logger } from 'pino';
import { createBatcher } from '../services/batcher.ts';
import type { ServiceContext } from '../services/context.ts';
import { StaleLeaseError } from '../services/errors.ts';
import {
  completeStage,
  pendingItems,
  recordItem,
  reportProgress,
  saveCheckpoint,
  startStage,
  type ControlRequest,
  type RunRef,
} from '../services/engine/jobs/execution.ts';
import type { Job, JobProgress, Json } from '../services/engine/types.ts';
import { FatalError, JobInterrupted, TransientError } from './errors.ts';
import type { HandlerContext } from './handler.ts';

const ITEM_PAGE = 100;

export interface Run {
  job: Job;
  ref: RunRef;
  /** Why the run was stopped, once it was: the reason its signal carries. */
  stopped: JobInterrupted | null;
  /**
   * Made when the handler first reads its signal: an AbortController costs a few µs, as much as
   * the rest of a no-op job's run in this process, and most handlers never look.
   */
  controller: AbortController | null;
  metrics: Record<string, number>;
}

export const newRun = (job: Job, ref: RunRef): Run => ({ job, ref, stopped: null, controller: null, metrics: {} });

/** Stops the run with the reason the handler will see in `signal.reason`. */
export function interrupt(run: Run, request: JobInterrupted['request']) {
  if (run.stopped) return;
  run.stopped = new JobInterrupted(request);
  run.controller?.abort(run.stopped);
}

function signalOf(run: Run): AbortSignal {
  if (!run.controller) {
    run.controller = new AbortController();
    if (run.stopped) run.controller.abort(run.stopped);
  }
  return run.controller.signal;
}

export interface RunContext<Payload> {
  context: HandlerContext<Payload>;
  /** Waits for progress reports still in flight: the last one must land before the run ends. */
  settle(): Promise<void>;
}

export function createRunContext<Payload>(services: ServiceContext, run: Run, payload: Payload, log: Logger): RunContext<Payload> {
  const { job, ref } = run;
  const stopIfAsked = (request: ControlRequest) => {
    if (request) interrupt(run, request);
    if (run.stopped) throw run.stopped;
  };
  const guard = async (report: Promise<ControlRequest>) => {
    try {
      stopIfAsked(await report);
    } catch (error) {
      if (error instanceof StaleLeaseError) interrupt(run, 'lost');
      if (run.stopped) throw run.stopped;
      throw error;
    }
  };
  const progress = createBatcher<JobProgress>(async (updates) => {
    await guard(reportProgress(services, ref, updates.at(-1)!)).catch(() => {});
  });
  const stageResults: Record<string, Json> = isRecord(job.checkpoint?.data) ? { ...job.checkpoint.data } : {};

  const context: HandlerContext<Payload> = {
    services,
    job,
    payload,
    get signal() {
      return signalOf(run);
    },
    log,
    lastCheckpoint: job.checkpoint,
    progress(update) {
      // A stop point like the others: the report is coalesced, but a pause or cancel already
      // heard (from an earlier report, NOTIFY or a lease renewal) stops the handler here.
      stopIfAsked(null);
      void progress.add(update);
    },
    async stage(name, work) {
      stopIfAsked(null);
      const done = job.stages.find((s) => s.name === name)?.status === 'completed';
      if (done && name in stageResults) return stageResults[name] as never;
      await guard(startStage(services, ref, name));
      const result = await work();
      stageResults[name] = (result ?? null) as Json;
      // Saved and marked completed together: a stop asked meanwhile takes effect after the stage.
      await guard(completeStage(services, ref, name, stageResults));
      log.debug({ stage: name }, 'stage completed');
      return result;
    },
    async checkpoint(stage, data) {
      await guard(saveCheckpoint(services, ref, stage, data));
    },
    async items(work) {
      let processed = 0;
      let failed = 0;
      for (;;) {
        const page = await pendingItems(services, job.id, ITEM_PAGE);
        if (page.length === 0) return { processed, failed };
        for (const item of page) {
          stopIfAsked(null);
          let outcome: { ok: true } | { ok: false; error: string };
          try {
            await work(item);
            outcome = { ok: true };
          } catch (error) {
            if (error instanceof FatalError || error instanceof TransientError || error instanceof JobInterrupted) throw error;
            if (run.stopped) throw run.stopped;
            outcome = { ok: false, error: error instanceof Error ? error.message : String(error) };
          }
          if (!outcome.ok) log.warn({ item: item.key }, `item failed: ${outcome.error}`);
          await guard(recordItem(services, ref, item.position, outcome));
          if (outcome.ok) processed++;
          else failed++;
        }
      }
    },
    addMetrics(metrics) {
      for (const [key, value] of Object.entries(metrics)) run.metrics[key] = (run.metrics[key] ?? 0) + value;
    },
  };
  return { context, settle: () => progress.drain() };
}

function isRecord(value: unknown): value is Record<string, Json> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
