import { describe, expect, it } from 'vitest';
import {
  cancelJob,
  completeRuns,
  enqueueJob,
  enqueueJobs,
  forceFailJob,
  getJob,
  listHistory,
  listJobs,
  listWorkers,
  pauseJob,
  resumeJob,
  type Job,
  type JobSummary,
} from '../src/services/index.ts';
import { registry } from '../src/metrics/index.ts';
import { useTestDatabase } from './support/db.ts';
import { maxOverlap, type RunInterval } from './support/overlap.ts';
import { waitFor } from './support/wait.ts';
import { startTestWorker } from './support/workers.ts';

const db = useTestDatabase();

const by = { actor: 'test', reason: 'worker test' };

async function waitForJob(id: number, accept: (job: Job) => boolean, what: string, timeoutMs?: number): Promise<Job> {
  return waitFor(
    async () => {
      const job = await getJob(db().services.db, id);
      return accept(job) ? job : null;
    },
    { what: `job ${id} ${what}`, timeoutMs },
  );
}

/** Operations on the job, oldest first. */
async function operationsOf(id: number): Promise<string[]> {
  const { entries } = await listHistory(db().services.db, { targetType: 'job', targetId: String(id) }, { first: 100 });
  return entries.map((e) => e.operation).reverse();
}

/** Claims made by this process's workers so far (pressroom_claim_seconds on /metrics). */
async function claimsMade(): Promise<number> {
  const { values } = await registry.getSingleMetric('pressroom_claim_seconds')!.get();
  return (values as { metricName?: string; value: number }[]).find((v) => v.metricName === 'pressroom_claim_seconds_count')?.value ?? 0;
}

async function jobsOf(queue: string): Promise<Job[]> {
  return (await listJobs(db().services.db, { queue }, { first: 1_000 })).jobs;
}

describe('worker', () => {
  it('claims and completes jobs enqueued after it started, woken by NOTIFY', async () => {
    const { services, database } = db();
    // A poll a minute apart: only the NOTIFY that enqueue sends can wake the worker in time.
    const worker = await startTestWorker(services, database, { queues: ['w-notify'], pollIntervalMs: 60_000 });
    try {
      // Each round is enqueued once the worker has gone idle again, well after the claims it makes
      // by itself (at start, and after each run). The first statement after a quiet spell carries
      // its NOTIFY; single enqueues one right after another are told by the NOTIFY that follows
      // (at most one per 2 ms).
      const rounds = [
        () => enqueueJobs(services, [1, 2, 3].map(() => ({ kind: 'test.noop', queue: 'w-notify', payload: { round: 1 } })), by),
        () => enqueueJobs(services, [1, 2, 3].map(() => ({ kind: 'test.noop', queue: 'w-notify', payload: { round: 2 } })), by),
        async () => {
          const results = [];
          for (const n of [1, 2, 3]) results.push(await enqueueJob(services, { kind: 'test.noop', queue: 'w-notify', payload: { round: 3, n } }, by));
          return results;
        },
      ];
      for (const round of rounds) {
        await waitFor(() => worker.activeJobIds.length === 0, { what: 'the worker to be idle' });
        const results = await round();
        for (const { job } of results) {
          const done = await waitForJob(job.id, (j) => j.status === 'completed', 'completed', 5_000);
          expect(done).toMatchObject({ attempts: 1, workerId: worker.id });
        }
      }
    } finally {
      await worker.stop();
    }
  });

  it('fed one job at a time, claims once per job: a run that ends claims again only when jobs may be waiting', async () => {
    const { services, database } = db();
    const queue = 'w-trickle';
    const before = await claimsMade();
    const worker = await startTestWorker(services, database, { queues: [queue], pollIntervalMs: 60_000 });
    try {
      for (let n = 0; n < 10; n++) {
        const { job } = await enqueueJob(services, { kind: 'test.noop', queue }, by);
        await waitForJob(job.id, (j) => j.status === 'completed', 'completed', 5_000);
      }
      // The claim at start, then one per NOTIFY (the first may share the one at start); every run
      // that ended used to claim again, for nothing, twice the database's claims for a trickle.
      const claims = (await claimsMade()) - before;
      expect(claims).toBeGreaterThanOrEqual(10);
      expect(claims).toBeLessThanOrEqual(11);
    } finally {
      await worker.stop();
    }
  });

  it('jobs a stopping worker hands back start at once on an idle worker, not at its next poll', async () => {
    const { services, database } = db();
    const queue = 'w-handback';
    const first = await startTestWorker(services, database, { queues: [queue], concurrency: 2, shutdownGraceMs: 100 });
    const held = (await enqueueJobs(services, [1, 2].map(() => ({ kind: 'test.hold', queue, payload: { ms: 60_000 } })), by)).map((r) => r.job.id);
    for (const id of held) await waitForJob(id, (j) => j.status === 'running' && j.workerId === first.id, 'running on the first worker');
    // Told of ready jobs by NOTIFY only: its poll is a minute away.
    const second = await startTestWorker(services, database, { queues: [queue], concurrency: 2, pollIntervalMs: 60_000, shutdownGraceMs: 100 });
    try {
      await first.stop();
      for (const id of held) await waitForJob(id, (j) => j.status === 'running' && j.workerId === second.id, 'running on the second worker', 10_000);
    } finally {
      await second.stop();
    }
  });

  it('pauses a running job at a checkpoint and resumes it from there', async () => {
    const { services, database } = db();
    const worker = await startTestWorker(services, database, { queues: ['w-pause'] });
    try {
      const { job } = await enqueueJob(services, { kind: 'test.steps', queue: 'w-pause', payload: { steps: 10, ms: 50 } }, by);
      await waitForJob(job.id, (j) => j.status === 'running' && j.checkpoint !== null, 'running with a checkpoint');

      const asked = await pauseJob(services, job.id, by);
      // A request: the job runs on until the handler stops at its next report.
      expect(asked).toMatchObject({ status: 'running', controlRequest: 'pause' });

      const paused = await waitForJob(job.id, (j) => j.status === 'paused', 'paused');
      expect(paused).toMatchObject({ controlRequest: null, leaseToken: null, attempts: 0, checkpoint: { stage: 'step' } });
      expect(paused.pausedAt).toBeInstanceOf(Date);
      const pausedAfter = (paused.checkpoint!.data as { step: number }).step;
      expect(pausedAfter).toBeGreaterThanOrEqual(1);
      expect(pausedAfter).toBeLessThan(10);
      await waitFor(() => !worker.activeJobIds.includes(job.id), { what: 'the handler to stop' });
      // Nothing runs a paused job: the checkpoint it stopped at is kept.
      expect((await getJob(services.db, job.id)).checkpoint).toEqual(paused.checkpoint);

      const resumed = await resumeJob(services, job.id, by);
      expect(resumed).toMatchObject({ status: 'queued', resumeCount: 1 });
      const done = await waitForJob(job.id, (j) => j.status === 'completed', 'completed');
      const remaining = Array.from({ length: 10 - pausedAfter }, (_, i) => pausedAfter + 1 + i);
      // The resumed run started after the checkpoint, and the pause did not use up an attempt.
      expect(done.result).toEqual({ executed: remaining, attempt: 1, resumeCount: 1 });
      expect(await operationsOf(job.id)).toEqual(['enqueue', 'claim', 'pause', 'acknowledgeControl', 'resume', 'claim', 'complete']);
    } finally {
      await worker.stop();
    }
  });

  it('cancels a running job: the handler stops and the job ends cancelled', async () => {
    const { services, database } = db();
    const worker = await startTestWorker(services, database, { queues: ['w-cancel'] });
    try {
      const { job } = await enqueueJob(services, { kind: 'test.steps', queue: 'w-cancel', payload: { steps: 200, ms: 50 } }, by);
      await waitForJob(job.id, (j) => j.status === 'running' && j.checkpoint !== null, 'running with a checkpoint');

      const asked = await cancelJob(services, job.id, { actor: 'ops', reason: 'wrong paper' });
      expect(asked).toMatchObject({ status: 'running', controlRequest: 'cancel' });

      const cancelled = await waitForJob(job.id, (j) => j.status === 'cancelled', 'cancelled');
      await waitFor(() => !worker.activeJobIds.includes(job.id), { what: 'the handler to stop' });
      expect(cancelled.finishedAt).toBeInstanceOf(Date);
      const final = await getJob(services.db, job.id);
      expect(final).toMatchObject({ status: 'cancelled', result: null, leaseToken: null, controlRequest: null });
      // The handler stopped long before its 200 steps.
      expect((final.checkpoint!.data as { step: number }).step).toBeLessThan(200);
      expect(await operationsOf(job.id)).toEqual(['enqueue', 'claim', 'cancel', 'acknowledgeControl']);
      const { entries } = await listHistory(services.db, { targetType: 'job', targetId: String(job.id), operation: 'cancel' }, { first: 1 });
      expect(entries[0]).toMatchObject({ actor: 'ops', reason: 'wrong paper', after: { status: 'running', requested: 'cancel' } });
    } finally {
      await worker.stop();
    }
  });

  it('force-fails a running job: its handler is stopped and its run can no longer complete it', async () => {
    const { services, database } = db();
    const worker = await startTestWorker(services, database, { queues: ['w-forcefail'] });
    try {
      const { job } = await enqueueJob(services, { kind: 'test.hold', queue: 'w-forcefail', payload: { ms: 60_000 } }, by);
      const running = await waitForJob(job.id, (j) => j.status === 'running' && worker.activeJobIds.includes(j.id), 'running');

      const failed = await forceFailJob(services, job.id, { actor: 'ops', reason: 'printer on fire' });
      expect(failed).toMatchObject({ status: 'failed', leaseToken: null, lastError: { message: 'printer on fire', class: 'fatal' } });
      // The worker hears of it and aborts the handler's signal: the 60 s hold ends now.
      await waitFor(() => !worker.activeJobIds.includes(job.id), { what: 'the handler to be stopped', timeoutMs: 10_000 });

      // A completion from that run (its lease token) is fenced off.
      const completed = await completeRuns(services, worker.id, [{ jobId: job.id, leaseToken: running.leaseToken!, result: { late: true }, metrics: {} }]);
      expect(completed).toEqual([]);
      expect(await getJob(services.db, job.id)).toMatchObject({ status: 'failed', result: null, lastError: { message: 'printer on fire' } });
      expect(await operationsOf(job.id)).toEqual(['enqueue', 'claim', 'forceFail']);
    } finally {
      await worker.stop();
    }
  });

  it('publishes rising progress while a job runs', async () => {
    const { services, database } = db();
    const seen: JobSummary[] = [];
    let jobId: number | undefined;
    const unsubscribe = services.bus.subscribe('job:progress', (summary) => {
      if (summary.id === jobId) seen.push(summary);
    });
    const worker = await startTestWorker(services, database, { queues: ['w-progress'] });
    try {
      const { job } = await enqueueJob(services, { kind: 'test.steps', queue: 'w-progress', payload: { steps: 8, ms: 50 } }, by);
      jobId = job.id;
      await waitForJob(job.id, (j) => j.status === 'completed', 'completed');
      await waitFor(() => seen.length >= 3, { what: 'progress events' });
      const percents = seen.map((s) => s.progress!.percent);
      for (let i = 1; i < percents.length; i++) expect(percents[i]).toBeGreaterThan(percents[i - 1]!);
      expect(percents.every((p) => p > 0 && p <= 100)).toBe(true);
      expect(seen.every((s) => s.status === 'running' && s.runId === job.runId)).toBe(true);
    } finally {
      unsubscribe();
      await worker.stop();
    }
  });

  it('on stop, lets a short job finish within the grace period', async () => {
    const { services, database } = db();
    const worker = await startTestWorker(services, database, { queues: ['w-stop-short'], shutdownGraceMs: 5_000 });
    const { job } = await enqueueJob(services, { kind: 'test.hold', queue: 'w-stop-short', payload: { ms: 300 } }, by);
    try {
      await waitFor(() => worker.activeJobIds.includes(job.id), { what: 'the job to start' });
    } finally {
      await worker.stop();
    }
    expect(await getJob(services.db, job.id)).toMatchObject({ status: 'completed', attempts: 1 });
  });

  it('on stop, hands a long job back to the queue after the grace period, without using an attempt', async () => {
    const { services, database } = db();
    const worker = await startTestWorker(services, database, { queues: ['w-stop-long'], shutdownGraceMs: 200 });
    const { job } = await enqueueJob(services, { kind: 'test.hold', queue: 'w-stop-long', payload: { ms: 60_000 } }, by);
    let stoppedInMs: number;
    try {
      await waitForJob(job.id, (j) => j.status === 'running' && worker.activeJobIds.includes(j.id), 'running');
    } finally {
      const started = Date.now();
      await worker.stop();
      stoppedInMs = Date.now() - started;
    }
    expect(stoppedInMs).toBeLessThan(10_000);
    expect(await getJob(services.db, job.id)).toMatchObject({ status: 'queued', attempts: 0, leaseToken: null, result: null });
    expect(await operationsOf(job.id)).toEqual(['enqueue', 'claim', 'release']);
    const { entries } = await listHistory(services.db, { targetType: 'job', targetId: String(job.id), operation: 'release' }, { first: 1 });
    expect(entries[0]).toMatchObject({ actor: worker.id, after: { status: 'queued', attempt: 0 } });
    const row = (await listWorkers(services.db, { includeStopped: true })).find((w) => w.id === worker.id);
    expect(row).toMatchObject({ status: 'stopped' });
    expect(row!.stoppedAt).toBeInstanceOf(Date);
    expect((await listWorkers(services.db)).map((w) => w.id)).not.toContain(worker.id);
  });

  it('keeps each worker within its concurrency, and both workers take part', async () => {
    const { services, database } = db();
    const first = await startTestWorker(services, database, { queues: ['w-two'], concurrency: 3 });
    const second = await startTestWorker(services, database, { queues: ['w-two'], concurrency: 2 });
    try {
      await enqueueJobs(services, Array.from({ length: 20 }, () => ({ kind: 'test.hold', queue: 'w-two', payload: { ms: 100 } })), by);
      const jobs = await waitFor(
        async () => {
          const jobs = await jobsOf('w-two');
          return jobs.length === 20 && jobs.every((j) => j.status === 'completed') ? jobs : null;
        },
        { what: 'all 20 jobs to complete' },
      );
      const runs = jobs.map((j) => j.result as unknown as RunInterval & { workerId: string });
      expect(maxOverlap(runs)).toBeLessThanOrEqual(5);
      expect(maxOverlap(runs.filter((r) => r.workerId === first.id))).toBeLessThanOrEqual(3);
      expect(maxOverlap(runs.filter((r) => r.workerId === second.id))).toBeLessThanOrEqual(2);
      expect(new Set(runs.map((r) => r.workerId))).toEqual(new Set([first.id, second.id]));
    } finally {
      await Promise.all([first.stop(), second.stop()]);
    }
  });

  it('once jobs prove short, holds a few claimed jobs in a buffer; a buffered job is cancelled at once and the buffer is handed back on stop', async () => {
    const { services, database } = db();
    const queue = 'w-buffer';
    // Short jobs first (higher priority): they show the worker that jobs here take no time.
    await enqueueJobs(services, Array.from({ length: 3 }, () => ({ kind: 'test.noop', queue, priority: 10 })), by);
    const held = (await enqueueJobs(services, Array.from({ length: 6 }, () => ({ kind: 'test.hold', queue, payload: { ms: 60_000 } })), by)).map((r) => r.job.id);
    const worker = await startTestWorker(services, database, { queues: [queue], concurrency: 1, shutdownGraceMs: 200, prefetch: { windowMs: 100, max: 3 } });
    let buffered: Job[];
    try {
      // One long job fills the only slot; the jobs claimed with it wait in the buffer, leased to this worker.
      buffered = await waitFor(
        async () => {
          if (!worker.activeJobIds.some((id) => held.includes(id))) return null;
          const waiting = (await jobsOf(queue)).filter((j) => held.includes(j.id) && j.status === 'running' && !worker.activeJobIds.includes(j.id));
          return waiting.length > 0 ? waiting : null;
        },
        { what: 'claimed jobs waiting in the buffer' },
      );
      expect(buffered.length).toBeLessThanOrEqual(3);
      for (const job of buffered) expect(job).toMatchObject({ workerId: worker.id, attempts: 1 });

      // Cancelled before it started: it does not wait for the slot.
      const [first] = buffered;
      await cancelJob(services, first!.id, by);
      await waitForJob(first!.id, (j) => j.status === 'cancelled', 'cancelled', 5_000);
      expect(worker.activeJobIds).not.toContain(first!.id);
    } finally {
      await worker.stop();
    }
    // Stopped: the buffered jobs (never started) and the running one (after the grace period) are queued again, no attempt used.
    for (const job of buffered.slice(1)) {
      expect(await getJob(services.db, job.id)).toMatchObject({ status: 'queued', attempts: 0, leaseToken: null });
    }
    const statuses = (await jobsOf(queue)).filter((j) => held.includes(j.id)).map((j) => j.status);
    expect(statuses.filter((s) => s === 'cancelled')).toHaveLength(1);
    expect(statuses.filter((s) => s === 'queued')).toHaveLength(5);
  });
});
