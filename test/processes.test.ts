// Real `pressroom worker` processes on the file's server database: what a user sees when work is
// spread over several processes, when one is cancelled from elsewhere, killed, or shut down.
// Server mode only: the embedded database is one process per data folder.
import { afterEach, describe, expect, it, onTestFailed } from 'vitest';
import {
  cancelJob,
  configureQueue,
  enqueueJob,
  enqueueJobs,
  getJob,
  GovernorBusyError,
  listHistory,
  listJobs,
  listWorkers,
  releaseGovernor,
  tryAcquireGovernor,
  type Job,
  type JobSummary,
} from '../src/services/index.ts';
import { serverMode, useTestDatabase } from './support/db.ts';
import { maxOverlap } from './support/overlap.ts';
import { nextEvent, waitFor } from './support/wait.ts';
import { spawnWorkerProcess, type WorkerProcess } from './support/workers.ts';

const by = { actor: 'test' };

interface HoldResult {
  startedAt: number;
  finishedAt: number;
  workerId: string;
  pid: number;
}

describe.runIf(serverMode)('worker processes', () => {
  const db = useTestDatabase();
  const processes: WorkerProcess[] = [];

  /** A worker process serving only `queue`, so jobs left behind by one test never reach another's workers. */
  async function startWorkerProcess(queue: string, env: Record<string, string> = {}): Promise<WorkerProcess> {
    const worker = spawnWorkerProcess(db(), { PRESSROOM_WORKER_QUEUES: queue, ...env });
    processes.push(worker);
    onTestFailed(() => console.warn(`output of worker process ${worker.child.pid}:\n${worker.output().slice(-5_000)}`));
    await worker.waitForOutput(/worker started/);
    return worker;
  }

  /** The id a worker process registered under. */
  async function workerIdOf(worker: WorkerProcess): Promise<string> {
    const workers = await listWorkers(db().services.db, { includeStopped: true });
    const row = workers.find((w) => w.pid === worker.child.pid);
    if (!row) throw new Error(`no worker row for pid ${worker.child.pid}`);
    return row.id;
  }

  const jobHistory = async (jobId: number) =>
    (await listHistory(db().services.db, { targetType: 'job', targetId: String(jobId) }, { first: 500 })).entries;

  const completedJobs = (queue: string, count: number) =>
    waitFor(
      async () => {
        const { jobs } = await listJobs(db().services.db, { queue }, { first: 100 });
        return jobs.length === count && jobs.every((job) => job.status === 'completed') && jobs;
      },
      { timeoutMs: 30_000, what: `${count} completed jobs in ${queue}` },
    );

  afterEach(async () => {
    // Whatever happened in the test, no worker process outlives it.
    await Promise.all(processes.splice(0).map((worker) => worker.stop('SIGKILL')));
  });

  it('cancels a job running in another process: the worker stops it at its next checkpoint', async () => {
    const worker = await startWorkerProcess('cancel');
    const { job } = await enqueueJob(db().services, { kind: 'test.steps', queue: 'cancel', payload: { steps: 200, ms: 50 } }, by);
    // Running and past its first checkpoint: the handler is in its loop.
    await waitFor(async () => {
      const current = await getJob(db().services.db, job.id);
      return current.status === 'running' && current.checkpoint !== null;
    }, { what: 'the job to be running' });

    const asked = await cancelJob(db().services, job.id, { actor: 'operator', reason: 'wrong paper' });
    expect(asked).toMatchObject({ status: 'running', controlRequest: 'cancel' });

    const cancelled = await waitFor(async () => {
      const current = await getJob(db().services.db, job.id);
      return current.status === 'cancelled' && current;
    }, { timeoutMs: 5_000, what: 'the job to be cancelled' });
    expect(cancelled.result).toBeNull();
    expect((cancelled.checkpoint?.data as { step: number }).step).toBeLessThan(200);
    const workerId = await workerIdOf(worker);
    const history = await jobHistory(job.id);
    expect(history.find((entry) => entry.operation === 'cancel')).toMatchObject({ actor: 'operator', reason: 'wrong paper' });
    expect(history.find((entry) => entry.operation === 'acknowledgeControl')).toMatchObject({ actor: workerId, after: expect.objectContaining({ status: 'cancelled' }) });
    expect(history.some((entry) => entry.operation === 'complete')).toBe(false);
  });

  it('holds a queue concurrency limit across two worker processes', async () => {
    await configureQueue(db().services, { name: 'limited', concurrency: 2 }, by);
    const env = { PRESSROOM_WORKER_CONCURRENCY: '5' };
    const first = await startWorkerProcess('limited,busy', env);
    // The first process is busy with other work in 4 of its 5 slots and takes one limited slot with a
    // long job, which it keeps throughout; the second process, with all 5 slots free, may then take
    // only the one slot the limit leaves. Nothing here depends on how fast either process is: the
    // short jobs are enqueued once both run, and the long one lasts until the test cancels it.
    const busy = await enqueueJobs(db().services, Array.from({ length: 4 }, () => ({ kind: 'test.hold', queue: 'busy', payload: { ms: 60_000 } })), by);
    await waitFor(async () => {
      const jobs = await Promise.all(busy.map(({ job }) => getJob(db().services.db, job.id)));
      return jobs.every((job) => job.status === 'running');
    }, { what: 'the first process to be busy' });
    const { job: long } = await enqueueJob(db().services, { kind: 'test.hold', queue: 'limited', payload: { ms: 120_000 } }, by);
    const held = await waitFor(async () => {
      const job = await getJob(db().services.db, long.id);
      return job.status === 'running' && job;
    }, { what: 'the first process to take a limited slot' });
    expect(held.workerId).toBe(await workerIdOf(first));
    const second = await startWorkerProcess('limited', env);
    await enqueueJobs(db().services, Array.from({ length: 8 }, () => ({ kind: 'test.hold', queue: 'limited', payload: { ms: 200 } })), by);

    const jobs = await waitFor(
      async () => {
        const { jobs: done } = await listJobs(db().services.db, { queue: 'limited', status: ['completed'] }, { first: 100 });
        return done.length === 8 && done;
      },
      { timeoutMs: 30_000, what: '8 completed jobs in limited' },
    );
    const results = jobs.map((job) => job.result as unknown as HoldResult);
    // The cap: the second process ran the short jobs one at a time, the other slot being held ...
    expect(results.every((r) => r.pid === second.child.pid)).toBe(true);
    expect(maxOverlap(results)).toBe(1);
    // ... and not a serialisation: both slots were in use together, one in each process.
    const stillHeld = await getJob(db().services.db, long.id);
    expect(stillHeld).toMatchObject({ status: 'running', workerId: held.workerId });
    expect(stillHeld.startedAt!.getTime()).toBeLessThan(Math.min(...results.map((r) => r.startedAt)));
    await cancelJob(db().services, long.id, by);
  });

  it('gives a governor to one holder at a time: governed jobs in two worker processes, 30 direct contenders', async () => {
    const { bus } = db().services;
    await Promise.all([startWorkerProcess('press-test'), startWorkerProcess('press-test')]);
    // Holders outside the job system (a scheduler, an operator) contend for the governor just when
    // it comes free: 30 at once, as the worker processes' claims for the next job do too. A winner
    // gives it back at once; a release refused as busy means someone took it meanwhile.
    let taken = 0;
    const lost: string[] = [];
    const refusedBy = new Set<string | null>();
    const bursts: Promise<unknown>[] = [];
    const burst = () =>
      bursts.push(
        Promise.all(
          Array.from({ length: 30 }, async (_, i) => {
            const holder = `contender-${bursts.length}-${i}`;
            try {
              await tryAcquireGovernor(db().services, 'press-test', holder, { leaseMs: 10_000 });
            } catch (error) {
              if (!(error instanceof GovernorBusyError)) throw error;
              refusedBy.add(error.holder);
              return;
            }
            taken++;
            await releaseGovernor(db().services, 'press-test', { actor: holder, holder }).catch((error: unknown) => {
              if (!(error instanceof GovernorBusyError)) throw error;
              lost.push(holder);
            });
          }),
        ),
      );
    const stop = bus.subscribe('job:updated', (job) => {
      if (job.queue === 'press-test' && job.status === 'completed') burst();
    });
    let jobs: Job[];
    try {
      await enqueueJobs(
        db().services,
        Array.from({ length: 8 }, () => ({ kind: 'test.hold', queue: 'press-test', governorKey: 'press-test', payload: { ms: 100 } })),
        by,
      );
      burst();
      jobs = await completedJobs('press-test', 8);
    } finally {
      stop();
      await Promise.all(bursts);
    }
    expect(lost).toEqual([]);
    // A refused contender is told who holds it: a job's run, or the contender that got there first.
    expect([...refusedBy].filter((holder) => !/^(job:test-hold-|contender-)/.test(holder ?? ''))).toEqual([]);
    expect(maxOverlap(jobs.map((job) => job.result as unknown as HoldResult))).toBe(1);

    // The governor's history: one holder at a time, each release by the holder of the acquire before it.
    const { entries } = await listHistory(db().services.db, { targetType: 'governor', targetId: 'press-test' }, { first: 1_000 });
    const turns = entries.reverse().map((entry) => ({ operation: entry.operation, holder: ((entry.operation === 'acquire' ? entry.after : entry.before) as { holder: string }).holder }));
    expect(turns.filter((t) => t.operation === 'acquire' && t.holder.startsWith('job:'))).toHaveLength(8);
    expect(turns).toHaveLength(2 * (8 + taken));
    for (let i = 0; i < turns.length; i += 2) {
      expect(turns[i]).toMatchObject({ operation: 'acquire' });
      expect(turns[i + 1]).toEqual({ operation: 'release', holder: turns[i]!.holder });
    }
  });

  it('recovers a job whose worker process was killed mid-run, and completes it exactly once', async () => {
    const doomed = await startWorkerProcess('crash', { PRESSROOM_LEASE_MS: '1500' });
    const { job } = await enqueueJob(db().services, { kind: 'test.crashable', queue: 'crash', payload: { completeOnAttempt: 2 } }, by);
    const running = await waitFor(async () => {
      const current = await getJob(db().services.db, job.id);
      return current.status === 'running' && current.workerId !== null && current;
    }, { what: 'the job to be running' });
    expect(running.workerId).toBe(await workerIdOf(doomed));

    doomed.child.kill('SIGKILL');
    expect(await doomed.exited).toBeNull();
    const rescuer = await startWorkerProcess('crash');
    const rescuerId = await workerIdOf(rescuer);

    const completed = await waitFor(async () => {
      const current = await getJob(db().services.db, job.id);
      return current.status === 'completed' && current;
    }, { timeoutMs: 15_000, what: 'the job to complete' });
    expect(completed).toMatchObject({ attempts: 2, workerId: rescuerId, result: { completedOnAttempt: 2, pid: rescuer.child.pid } });

    const history = await jobHistory(job.id);
    expect(history.filter((entry) => entry.operation === 'complete')).toHaveLength(1);
    expect(history.filter((entry) => entry.operation === 'claim').map((entry) => entry.actor)).toEqual([rescuerId, running.workerId]);
    const expired = history.filter((entry) => entry.operation === 'expireLease');
    expect(expired).toHaveLength(1);
    // Recovered by the supervisor, which the rescuer's process runs once the doomed one's lease on it
    // lapsed: by its sweep for dead workers or by the tick's lease recovery, whichever comes first.
    expect(expired[0]).toMatchObject({ actor: 'supervisor', after: expect.objectContaining({ status: 'queued', workerId: running.workerId }) });
    expect(completed.lastError?.message).toMatch(/lease expired|died \(its database session ended\)/);
  });

  it('on SIGTERM lets a short running job finish, then exits 0', async () => {
    const worker = await startWorkerProcess('short');
    const { job } = await enqueueJob(db().services, { kind: 'test.hold', queue: 'short', payload: { ms: 500 } }, by);
    // Its handler running, not only claimed: a claimed job may still wait in the worker's buffer, and is handed back.
    await waitFor(async () => (await getJob(db().services.db, job.id)).progress?.message === 'holding', { what: 'the job to be running its handler' });
    const workerId = await workerIdOf(worker);

    expect(await worker.stop('SIGTERM')).toBe(0);
    const after = await getJob(db().services.db, job.id);
    expect(after).toMatchObject({ status: 'completed', attempts: 1, result: expect.objectContaining({ pid: worker.child.pid }) });
    const [row] = (await listWorkers(db().services.db, { includeStopped: true })).filter((w) => w.id === workerId);
    expect(row?.status).toBe('stopped');
  });

  it('on SIGTERM hands a long job back to the queue after the grace period, then exits 0', async () => {
    const worker = await startWorkerProcess('long', { PRESSROOM_SHUTDOWN_GRACE_MS: '300' });
    const { job } = await enqueueJob(db().services, { kind: 'test.hold', queue: 'long', payload: { ms: 60_000 } }, by);
    await waitFor(async () => (await getJob(db().services.db, job.id)).status === 'running', { what: 'the job to be running' });
    const workerId = await workerIdOf(worker);

    const signalled = Date.now();
    expect(await worker.stop('SIGTERM')).toBe(0);
    expect(Date.now() - signalled).toBeLessThan(5_000);

    const after = await getJob(db().services.db, job.id);
    expect(after).toMatchObject({ status: 'queued', attempts: 0, leaseToken: null, result: null });
    const release = (await jobHistory(job.id)).find((entry) => entry.operation === 'release');
    expect(release).toMatchObject({ actor: workerId, reason: 'worker shutting down', after: expect.objectContaining({ status: 'queued' }) });
    const [row] = (await listWorkers(db().services.db, { includeStopped: true })).filter((w) => w.id === workerId);
    expect(row?.status).toBe('stopped');
  });

  it('publishes progress and completion from a worker process through Redis to this process', async () => {
    const { bus } = db().services;
    const progress: JobSummary[] = [];
    const updates: JobSummary[] = [];
    const stops = [bus.subscribe('job:progress', (e) => progress.push(e)), bus.subscribe('job:updated', (e) => updates.push(e))];
    try {
      const worker = await startWorkerProcess('events');
      const workerId = await workerIdOf(worker);
      let job: Job | undefined;
      const completed = nextEvent<JobSummary>(
        (listener) => bus.subscribe('job:updated', listener),
        (e) => e.id === job?.id && e.status === 'completed',
      );
      ({ job } = await enqueueJob(db().services, { kind: 'test.steps', queue: 'events', payload: { steps: 5, ms: 50 } }, by));

      expect(await completed).toMatchObject({ id: job.id, status: 'completed', workerId, attempts: 1 });
      const mine = progress.filter((e) => e.id === job!.id);
      expect(mine.length).toBeGreaterThan(0);
      expect(mine.every((e) => e.workerId === workerId && e.status === 'running')).toBe(true);
      const percents = mine.map((e) => e.progress?.percent ?? 0);
      expect(percents).toEqual([...percents].sort((a, b) => a - b));
      // The claim, published by the worker process, arrived too.
      expect(updates.some((e) => e.id === job!.id && e.status === 'running' && e.workerId === workerId)).toBe(true);
    } finally {
      for (const stop of stops) stop();
    }
  });
});
