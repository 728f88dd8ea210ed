import { describe, expect, it } from 'vitest';
import {
  cancelJob,
  claimJobs,
  completeRuns,
  configureQueue,
  enqueueJob,
  enqueueJobs,
  forceFailJob,
  getJob,
  getQueue,
  InvalidInputError,
  listHistory,
  listJobs,
  NotFoundError,
  pauseJob,
  pauseQueue,
  resumeQueue,
  type Job,
} from '../src/services/index.ts';
import { statsOfQueues } from '../src/api/queueStats.ts';
import { MAX_AGE_MS as FINISHED_COUNTS_MAX_AGE_MS } from '../src/api/finishedCounts.ts';
import { useTestDatabase } from './support/db.ts';
import { maxOverlap, type RunInterval } from './support/overlap.ts';
import { waitFor } from './support/wait.ts';
import { startTestWorker } from './support/workers.ts';

const db = useTestDatabase();

const by = { actor: 'test', reason: 'queue test' };

async function waitForJob(id: number, accept: (job: Job) => boolean, what: string): Promise<Job> {
  return waitFor(
    async () => {
      const job = await getJob(db().services.db, id);
      return accept(job) ? job : null;
    },
    { what: `job ${id} ${what}` },
  );
}

/** Waits until the given jobs all completed; returns what each run reported. */
async function completedRuns(ids: number[]): Promise<RunInterval[]> {
  const jobs = await waitFor(
    async () => {
      const jobs = await Promise.all(ids.map((id) => getJob(db().services.db, id)));
      return jobs.every((j) => j.status === 'completed') ? jobs : null;
    },
    { what: `${ids.length} jobs to complete` },
  );
  return jobs.map((j) => j.result as unknown as RunInterval);
}

const holds = (queue: string, count: number, ms: number) => Array.from({ length: count }, () => ({ kind: 'test.hold', queue, payload: { ms } }));

describe('queues', () => {
  it('stops claims from a paused queue, records who paused it and why, and claims again on resume', async () => {
    const { services, database } = db();
    // Queues are made on purpose: pausing a name no queue has is refused, and makes nothing.
    await expect(pauseQueue(services, 'q-paused', { actor: 'ops', reason: 'press maintenance' })).rejects.toBeInstanceOf(NotFoundError);
    await expect(getQueue(services.db, 'q-paused')).rejects.toBeInstanceOf(NotFoundError);
    await configureQueue(services, { name: 'q-paused' }, { actor: 'admin' });
    const paused = await pauseQueue(services, 'q-paused', { actor: 'ops', reason: 'press maintenance' });
    expect(paused).toMatchObject({ name: 'q-paused', paused: true, pausedBy: 'ops', pausedReason: 'press maintenance' });
    expect(paused.pausedAt).toBeInstanceOf(Date);
    expect(await getQueue(services.db, 'q-paused')).toMatchObject({ paused: true, pausedBy: 'ops', pausedReason: 'press maintenance' });
    const { entries } = await listHistory(services.db, { targetType: 'queue', targetId: 'q-paused' }, { first: 10 });
    expect(entries).toEqual([expect.objectContaining({ operation: 'pause', actor: 'ops', reason: 'press maintenance', after: { paused: true } }), expect.objectContaining({ operation: 'configure' })]);

    const worker = await startTestWorker(services, database, { queues: ['q-paused', 'q-paused-sentinel'] });
    try {
      const { job } = await enqueueJob(services, { kind: 'test.noop', queue: 'q-paused' }, by);
      // A job enqueued after it in a queue the same worker serves: once it has run, the worker
      // has claimed since the paused job was there.
      const { job: sentinel } = await enqueueJob(services, { kind: 'test.noop', queue: 'q-paused-sentinel' }, by);
      await waitForJob(sentinel.id, (j) => j.status === 'completed', 'completed');
      expect(await getJob(services.db, job.id)).toMatchObject({ status: 'queued', attempts: 0, workerId: null });
      const claimed = (await claimJobs(services, { workerId: 'q-test', queues: ['q-paused'], kinds: ['test.noop'], limit: 10, leaseMs: 10_000 })).jobs;
      expect(claimed).toEqual([]);
      expect((await getJob(services.db, job.id)).status).toBe('queued');

      const resumed = await resumeQueue(services, 'q-paused', { actor: 'ops', reason: 'maintenance done' });
      expect(resumed).toMatchObject({ paused: false, pausedBy: null, pausedReason: null, pausedAt: null });
      await waitForJob(job.id, (j) => j.status === 'completed', 'completed after the resume');
      const { entries: after } = await listHistory(services.db, { targetType: 'queue', targetId: 'q-paused' }, { first: 10 });
      expect(after.map((e) => e.operation)).toEqual(['resume', 'pause', 'configure']);
    } finally {
      await worker.stop();
    }
  });

  it('holds a queue concurrency limit across workers, and lets more run once it is lifted', async () => {
    const { services, database } = db();
    const configured = await configureQueue(services, { name: 'q-limit', concurrency: 2 }, by);
    expect(configured).toMatchObject({ name: 'q-limit', concurrency: 2 });
    const workers = [
      await startTestWorker(services, database, { queues: ['q-limit'], concurrency: 5 }),
      await startTestWorker(services, database, { queues: ['q-limit'], concurrency: 5 }),
    ];
    try {
      const limited = await enqueueJobs(services, holds('q-limit', 10, 150), by);
      const limitedRuns = await completedRuns(limited.map((r) => r.job.id));
      expect(maxOverlap(limitedRuns)).toBe(2);

      expect(await configureQueue(services, { name: 'q-limit', concurrency: null }, by)).toMatchObject({ concurrency: null });
      const unlimited = await enqueueJobs(services, holds('q-limit', 6, 300), by);
      const unlimitedRuns = await completedRuns(unlimited.map((r) => r.job.id));
      expect(maxOverlap(unlimitedRuns)).toBeGreaterThan(2);
    } finally {
      await Promise.all(workers.map((w) => w.stop()));
    }
  });

  it('counts jobs by status and tells how long the oldest due job has waited', async () => {
    const { services } = db();
    const jobs = (await enqueueJobs(services, Array.from({ length: 6 }, () => ({ kind: 'test.noop', queue: 'q-stats' })), by)).map((r) => r.job);
    const claimed = (await claimJobs(services, { workerId: 'q-stats-worker', queues: ['q-stats'], kinds: ['test.noop'], limit: 2, leaseMs: 60_000 })).jobs;
    expect(claimed).toHaveLength(2);
    expect(await completeRuns(services, 'q-stats-worker', [{ jobId: claimed[0]!.id, leaseToken: claimed[0]!.leaseToken!, result: null, metrics: {} }])).toEqual([
      claimed[0]!.id,
    ]);
    const waiting = jobs.filter((j) => !claimed.some((c) => c.id === j.id));
    await pauseJob(services, waiting[0]!.id, by);
    await cancelJob(services, waiting[1]!.id, by);
    await forceFailJob(services, waiting[2]!.id, by);

    const [stats] = await waitFor(
      async () => {
        const stats = await statsOfQueues(services.db, ['q-stats']);
        return stats[0]!.oldestWaitingSeconds > 0 ? stats : null;
      },
      { what: 'the waiting job to have waited' },
    );
    expect(stats!.queue).toBe('q-stats');
    expect(stats!.counts).toEqual({ queued: 1, running: 1, paused: 1, completed: 1, failed: 1, cancelled: 1 });
    expect(stats!.oldestWaitingSeconds).toBeLessThan(60);

    // The running one ends, so no lease is left to expire under another test's worker.
    await completeRuns(services, 'q-stats-worker', [{ jobId: claimed[1]!.id, leaseToken: claimed[1]!.leaseToken!, result: null, metrics: {} }]);
    await cancelJob(services, waiting[3]!.id, by);
    // Live counts are exact at once; finished ones are recounted in the background once a few seconds old.
    const [now] = await statsOfQueues(services.db, ['q-stats']);
    expect(now).toMatchObject({ counts: { queued: 0, running: 0, paused: 1 }, oldestWaitingSeconds: 0 });
    const after = await waitFor(
      async () => {
        const [stats] = await statsOfQueues(services.db, ['q-stats']);
        return stats!.counts.completed === 2 ? stats : null;
      },
      { what: 'the finished counts to be recounted', timeoutMs: 3 * FINISHED_COUNTS_MAX_AGE_MS },
    );
    expect(after).toMatchObject({ counts: { queued: 0, running: 0, completed: 2, cancelled: 2, failed: 1 } });
  });

  it('refuses bad configuration and changes nothing', async () => {
    const { services } = db();
    await configureQueue(services, { name: 'q-config', concurrency: 3, priority: 5 }, by);
    const before = await listHistory(services.db, {}, { first: 1 });

    await expect(configureQueue(services, { name: 'q-config', concurrency: 0 }, by)).rejects.toBeInstanceOf(InvalidInputError);
    await expect(configureQueue(services, { name: 'q-config', concurrency: 0 }, by)).rejects.toMatchObject({
      issues: [expect.objectContaining({ path: 'concurrency' })],
    });
    await expect(configureQueue(services, { name: 'has spaces', concurrency: 2 }, by)).rejects.toBeInstanceOf(InvalidInputError);
    await expect(configureQueue(services, { name: 'has spaces', concurrency: 2 }, by)).rejects.toMatchObject({
      issues: [expect.objectContaining({ path: 'name' })],
    });

    expect(await getQueue(services.db, 'q-config')).toMatchObject({ concurrency: 3, priority: 5 });
    await expect(getQueue(services.db, 'has spaces')).rejects.toBeInstanceOf(NotFoundError);
    expect((await listHistory(services.db, {}, { first: 1 })).entries[0]?.id).toBe(before.entries[0]?.id);
    expect((await listJobs(services.db, { queue: 'has spaces' }, { first: 1 })).jobs).toEqual([]);
  });
});
