// The worker: claims jobs in batches (woken by NOTIFY, polling as the fallback) into a small
// local buffer sized by src/worker/prefetch.ts, runs handlers with bounded concurrency, renews
// leases, batches completions, and on stop hands buffered jobs back at once and lets running
// handlers finish within a grace period before handing the rest back to the queue. Runs whose
// worker died are recovered by the supervisor (src/worker/supervisor.ts), not here.
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import type { Database } from '../db/client.ts';
import { createBatcher, type Batcher } from '../services/batcher.ts';
import type { ServiceContext } from '../services/context.ts';
import { StaleLeaseError } from '../services/errors.ts';
import { claimJobs } from '../services/engine/jobs/claim.ts';
import { declareStages } from '../services/engine/jobs/execution.ts';
import { getJob } from '../services/engine/jobs/read.ts';
import { acknowledgeControl, completeRuns, failRun, releaseRuns, renewLeases, type Completion } from '../services/engine/jobs/finish.ts';
import { CONTROL_CHANNEL, JOBS_CHANNEL } from '../services/engine/notifier.ts';
import type { Job } from '../services/engine/types.ts';
import { describeKind } from '../services/engine/kinds/registry.ts';
import { deregisterWorker, registerWorker, setWorkerStopping } from '../services/engine/workers.ts';
import { FatalError, JobInterrupted, TransientError } from './errors.ts';
import type { HandlerRegistry } from './handler.ts';
import { DEFAULT_PREFETCH, PrefetchGauge, type PrefetchOptions } from './prefetch.ts';
import { createRunContext, interrupt, newRun, type Run } from './runContext.ts';
import { holdLiveness, type LivenessHold } from './liveness.ts';
import { claimLatency, jobRun, jobWait } from '../metrics/index.ts';

export interface WorkerOptions {
  services: ServiceContext;
  database: Pick<Database, 'listen'> & Partial<Pick<Database, 'openSession'>>;
  handlers: HandlerRegistry;
  id?: string;
  /** Queues to serve; null serves all. */
  queues: string[] | null;
  concurrency: number;
  leaseMs: number;
  pollIntervalMs: number;
  shutdownGraceMs: number;
  prefetch?: PrefetchOptions;
}

export function newWorkerId(): string {
  return `worker-${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
}

export class Worker {
  readonly id: string;
  private readonly runs = new Map<number, { run: Run; done: Promise<void> }>();
  /** Claimed (leased to this worker) and waiting for a free slot. */
  private buffered: Job[] = [];
  private readonly prefetch: PrefetchGauge;
  private readonly log: Logger;
  private readonly completer: Batcher<Completion>;
  private readonly stopListening: (() => Promise<void>)[] = [];
  private timers: NodeJS.Timeout[] = [];
  private liveness: LivenessHold | null = null;
  private claiming: Promise<void> | null = null;
  private wanted = false;
  /**
   * Whether ready jobs may be waiting unclaimed: the last claim left some, or a NOTIFY, the poll or
   * a failed run (whose job may be due again at once) said so since. A run that ends claims again
   * only then: with a trickle of jobs, each would otherwise cost a second, empty claim.
   */
  private readyLeft = true;
  private stopping = false;

  constructor(private readonly options: WorkerOptions) {
    this.id = options.id ?? newWorkerId();
    this.log = options.services.log.child({ worker: this.id });
    this.completer = createBatcher((completions) => this.complete(completions));
    this.prefetch = new PrefetchGauge(options.prefetch ?? DEFAULT_PREFETCH, options.concurrency);
  }

  get activeJobIds(): number[] {
    return [...this.runs.keys()];
  }

  async start(): Promise<void> {
    const { services, database, queues, concurrency, leaseMs, pollIntervalMs } = this.options;
    const kinds = [...this.options.handlers.values()].map(describeKind);
    // Held before the worker registers: the supervisor never sees it registered without its lock.
    this.liveness = await holdLiveness(database, this.log);
    try {
      await registerWorker(services, { id: this.id, host: hostname(), pid: process.pid, queues, concurrency, kinds, livenessKey: this.liveness?.key ?? null });
    } catch (error) {
      await this.liveness?.release();
      throw error;
    }
    this.stopListening.push(await database.listen(JOBS_CHANNEL, () => this.jobsMayBeReady()));
    this.stopListening.push(await database.listen(CONTROL_CHANNEL, (payload) => void this.onControl(Number(payload))));
    this.timers.push(setInterval(() => this.jobsMayBeReady(), pollIntervalMs));
    this.timers.push(setInterval(() => void this.renew(), Math.max(100, Math.floor(leaseMs / 3))));
    this.log.info({ queues: queues ?? 'all', concurrency, kinds: [...this.options.handlers.keys()] }, 'worker started');
    this.wake();
  }

  /** Stops claiming, waits up to the grace period for running handlers, hands back the rest. */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    const { services, shutdownGraceMs } = this.options;
    await setWorkerStopping(services, this.id).catch((error) => this.log.warn({ err: error }, 'could not mark worker stopping'));
    await this.claiming;
    await this.releaseBuffered();
    const allDone = Promise.all([...this.runs.values()].map((r) => r.done));
    const graceOver = await Promise.race([allDone.then(() => false), delay(shutdownGraceMs).then(() => true)]);
    if (graceOver && this.runs.size > 0) {
      const unfinished = [...this.runs.values()].map((r) => r.run);
      for (const run of unfinished) interrupt(run, 'shutdown');
      const released = await releaseRuns(services, this.id, unfinished.map((run) => run.ref));
      this.log.info({ released }, 'handed unfinished jobs back to the queue');
      await Promise.race([allDone, delay(1_000)]);
    }
    for (const timer of this.timers) clearInterval(timer);
    this.timers = [];
    await this.completer.drain();
    for (const stop of this.stopListening.splice(0)) await stop().catch(() => {});
    await deregisterWorker(services, this.id).catch((error) => this.log.warn({ err: error }, 'could not deregister worker'));
    await this.liveness?.release();
    this.log.info('worker stopped');
  }

  /** A NOTIFY, or the polling fallback (it claims what no NOTIFY announced: a delayed job or retry coming due). */
  private jobsMayBeReady() {
    if (this.stopping) return;
    this.readyLeft = true;
    this.wake();
  }

  /** Claims until the worker is full or the queue is empty. Calls while a claim is running coalesce. */
  private wake() {
    this.wanted = true;
    if (this.claiming || this.stopping) return;
    this.claiming = this.claimLoop().finally(() => {
      this.claiming = null;
    });
  }

  private async claimLoop() {
    const { services, concurrency, leaseMs, queues, handlers } = this.options;
    while (this.wanted && !this.stopping) {
      this.wanted = false;
      const freeSlots = concurrency - this.runs.size;
      const toClaim = freeSlots + this.prefetch.bufferSize - this.buffered.length;
      if (toClaim <= 0) return;
      let jobs: Job[];
      const claimTimer = claimLatency.startTimer();
      try {
        ({ jobs, readyLeft: this.readyLeft } = await claimJobs(services, {
          workerId: this.id,
          queues,
          kinds: [...handlers.keys()],
          limit: toClaim,
          constrainedLimit: Math.max(0, freeSlots - this.buffered.length),
          leaseMs,
        }));
      } catch (error) {
        this.log.error({ err: error }, 'claim failed; retrying at the next poll');
        return;
      } finally {
        claimTimer();
      }
      this.buffered.push(...jobs);
      // Stopping meanwhile: stop() hands the buffer back once this claim is done.
      if (this.stopping) return;
      this.startBuffered();
      if (jobs.length === toClaim) this.wanted = true;
    }
  }

  /** Starts buffered jobs while slots are free. */
  private startBuffered() {
    while (this.runs.size < this.options.concurrency && this.buffered.length > 0) this.startRun(this.buffered.shift()!);
  }

  private startRun(job: Job) {
    const run = newRun(job, runRef(job));
    const started = performance.now();
    jobWait.observe({ queue: job.queue, kind: job.kind }, Math.max(0, Date.now() - job.runAt.getTime()) / 1_000);
    const done = this.execute(run).finally(() => {
      this.runs.delete(job.id);
      this.prefetch.recordRun(performance.now() - started);
      this.startBuffered();
      // Claim again once the buffer is half used up: the next claim overlaps the runs left.
      if (this.readyLeft && this.buffered.length <= this.prefetch.bufferSize / 2) this.wake();
    });
    this.runs.set(job.id, { run, done });
  }

  /** Hands buffered jobs back to the queue (the worker is stopping); their attempt is not counted. */
  private async releaseBuffered() {
    const jobs = this.buffered.splice(0);
    if (jobs.length === 0) return;
    try {
      const released = await releaseRuns(this.options.services, this.id, jobs.map(runRef));
      this.log.info({ released: released.length }, 'handed buffered jobs back to the queue');
    } catch (error) {
      this.log.warn({ err: error }, 'could not hand buffered jobs back; they return to the queue when their leases expire');
    }
  }

  private async execute(run: Run): Promise<void> {
    const { job } = run;
    const log = this.log.child({ jobId: job.id, runId: job.runId, kind: job.kind, attempt: job.attempts });
    const started = performance.now();
    const durationMs = () => Math.round(performance.now() - started);
    try {
      const handler = this.options.handlers.get(job.kind);
      if (!handler) throw new FatalError(`no handler for job kind ${job.kind}`);
      const parsed = handler.payload ? handler.payload.safeParse(job.payload) : { success: true as const, data: job.payload };
      if (!parsed.success) throw new FatalError(`invalid payload: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'payload'}: ${i.message}`).join('; ')}`);
      if (handler.stages && job.stages.length === 0) await declareStages(this.options.services, run.ref, handler.stages);
      log.info('job started');
      const { context, settle } = createRunContext(this.options.services, run, parsed.data, log);
      const result = await handler.run(context);
      await settle();
      if (run.stopped) throw run.stopped;
      // The slot is free once the handler returned: the completion joins the next batch and is
      // written while the worker claims and runs more (stop() waits for the batch to land).
      const elapsed = durationMs();
      jobRun.observe({ queue: job.queue, kind: job.kind, outcome: 'completed' }, elapsed / 1_000);
      this.completer
        .add({ ...run.ref, result: result ?? null, metrics: { ...run.metrics, durationMs: elapsed } })
        .then(() => log.info({ durationMs: elapsed }, 'job completed'))
        .catch((error) => log.error({ err: error }, 'could not record the completion; the job will run again once its lease expires'));
    } catch (error) {
      this.readyLeft = true;
      const outcome = run.stopped ? 'interrupted' : 'failed';
      jobRun.observe({ queue: job.queue, kind: job.kind, outcome }, durationMs() / 1_000);
      await this.settleFailure(run, error, { ...run.metrics, durationMs: durationMs() }, log).catch((failure) => {
        if (failure instanceof StaleLeaseError) log.info('run ended elsewhere (cancelled, failed or recovered); result dropped');
        else log.error({ err: failure }, 'could not record the end of the run');
      });
    }
  }

  private async settleFailure(run: Run, error: unknown, metrics: Record<string, number>, log: Logger) {
    const { services } = this.options;
    const reason = run.stopped ?? error;
    if (reason instanceof JobInterrupted) {
      if (reason.request === 'pause' || reason.request === 'cancel') {
        const job = await acknowledgeControl(services, { ...run.ref, workerId: this.id });
        log.info({ status: job.status }, `run stopped at a checkpoint: ${reason.request}`);
      }
      // shutdown: handed back by stop(); lost: the job is no longer ours.
      return;
    }
    if (error instanceof StaleLeaseError) throw error;
    const message = error instanceof Error ? error.message : String(error);
    const errorClass = error instanceof FatalError ? 'fatal' : 'transient';
    const retryAfterMs = error instanceof TransientError ? error.retryAfterMs : undefined;
    const job = await failRun(services, { ...run.ref, workerId: this.id, message, errorClass, retryAfterMs, metrics });
    // One line for a failure the handler classified; the stack only for what it did not expect.
    const expected = error instanceof FatalError || error instanceof TransientError;
    log.warn({ ...(expected ? {} : { err: error }), status: job.status, errorClass }, `${job.status === 'failed' ? 'job failed' : 'attempt failed; will retry'}: ${message}`);
  }

  private async complete(completions: Completion[]) {
    const completed = new Set(await completeRuns(this.options.services, this.id, completions));
    const stale = completions.filter((c) => !completed.has(c.jobId)).map((c) => c.jobId);
    if (stale.length > 0) this.log.info({ jobs: stale }, 'runs ended elsewhere before completing; results dropped');
  }

  /** A pause, cancel or force-fail was asked of a job somewhere: act if we hold it. */
  private async onControl(jobId: number) {
    const held = this.runs.get(jobId)?.run.job ?? this.buffered.find((b) => b.id === jobId);
    if (!held) return;
    try {
      const job = await getJob(this.options.services.db, jobId);
      if (job.status !== 'running' || job.leaseToken !== held.leaseToken) await this.stopHeld(held.leaseToken!, jobId, 'lost');
      else if (job.controlRequest) await this.stopHeld(held.leaseToken!, jobId, job.controlRequest);
    } catch (error) {
      this.log.warn({ err: error, jobId }, 'could not read a control request');
    }
  }

  /** Renews the leases of running and buffered jobs; a job we no longer hold is stopped. */
  private async renew() {
    const refs = [...[...this.runs.values()].map((r) => r.run.ref), ...this.buffered.map(runRef)];
    try {
      const { held } = await renewLeases(this.options.services, this.id, refs, this.options.leaseMs);
      for (const ref of refs) {
        const request = held.has(ref.jobId) ? held.get(ref.jobId) : 'lost';
        if (request) await this.stopHeld(ref.leaseToken, ref.jobId, request);
      }
    } catch (error) {
      this.log.warn({ err: error }, 'lease renewal failed');
    }
  }

  /**
   * Stops a job this worker holds under `leaseToken`, wherever it is now: a running handler is
   * interrupted (it acknowledges at its next checkpoint); a buffered job leaves the buffer, and a
   * pause or cancel is acknowledged at once since it never started.
   */
  private async stopHeld(leaseToken: string, jobId: number, request: 'pause' | 'cancel' | 'lost') {
    const running = this.runs.get(jobId)?.run;
    if (running?.ref.leaseToken === leaseToken) return interrupt(running, request);
    const buffered = this.buffered.find((b) => b.id === jobId && b.leaseToken === leaseToken);
    if (!buffered) return;
    this.buffered = this.buffered.filter((b) => b !== buffered);
    if (request === 'lost') return;
    const stopped = await acknowledgeControl(this.options.services, { ...runRef(buffered), workerId: this.id });
    this.log.info({ jobId, status: stopped.status }, `buffered job stopped before it started: ${request}`);
  }
}

const runRef = (job: Job) => ({ jobId: job.id, leaseToken: job.leaseToken! });
const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());
