// Retries: the backoff policy, how failed attempts are settled, and what a real worker makes of
// handler errors, failed items, stages and checkpoints on a later attempt.
import { afterEach, describe, expect, it } from 'vitest';
import {
  claimJobs,
  enqueueJob,
  failRun,
  getJob,
  listHistory,
  listJobItems,
  type BackoffPolicy,
  type EnqueueInput,
  type HistoryEntry,
  type Job,
  type JobStatus,
  type RunRef,
} from '../src/services/index.ts';
import { backoffDelayMs } from '../src/services/engine/jobs/backoff.ts';
import type { Worker } from '../src/worker/worker.ts';
import { useTestDatabase } from './support/db.ts';
import { waitFor } from './support/wait.ts';
import { startTestWorker } from './support/workers.ts';

const db = useTestDatabase();
const services = () => db().services;
const by = { actor: 'test' };
const job = (id: number) => getJob(services().db, id);

/** The job's history, oldest first. */
async function historyOf(jobId: number): Promise<HistoryEntry[]> {
  const { entries } = await listHistory(services().db, { targetType: 'job', targetId: String(jobId) }, { first: 1_000 });
  return entries.reverse();
}

describe('backoffDelayMs', () => {
  const policy = (p: Partial<BackoffPolicy>): BackoffPolicy => ({ strategy: 'exponential', baseMs: 100, maxMs: 60_000, jitter: 0, ...p });

  it('doubles the delay after each failed attempt', () => {
    expect([1, 2, 3, 4, 5].map((attempt) => backoffDelayMs(policy({}), attempt))).toEqual([100, 200, 400, 800, 1_600]);
  });

  it('never waits longer than maxMs', () => {
    expect([5, 6, 7, 30].map((attempt) => backoffDelayMs(policy({ maxMs: 1_000 }), attempt))).toEqual([1_000, 1_000, 1_000, 1_000]);
  });

  it('waits the same with the fixed strategy, also capped', () => {
    expect([1, 2, 7].map((attempt) => backoffDelayMs(policy({ strategy: 'fixed', baseMs: 250 }), attempt))).toEqual([250, 250, 250]);
    expect(backoffDelayMs(policy({ strategy: 'fixed', baseMs: 500, maxMs: 300 }), 1)).toBe(300);
  });

  it('randomises the jitter share of the delay, within its bounds', () => {
    const jittered = policy({ baseMs: 1_000, jitter: 0.5 });
    // attempt 2: 2000 ms, of which half is random
    expect(backoffDelayMs(jittered, 2, () => 0)).toBe(1_000);
    expect(backoffDelayMs(jittered, 2, () => 1)).toBe(2_000);
    expect(backoffDelayMs(jittered, 2, () => 0.5)).toBe(1_500);
    expect(backoffDelayMs(policy({ baseMs: 1_000, jitter: 1 }), 1, () => 0)).toBe(0);
    expect(backoffDelayMs(policy({ baseMs: 1_000, jitter: 1 }), 1, () => 1)).toBe(1_000);
    for (let i = 0; i < 200; i++) {
      const delay = backoffDelayMs(jittered, 2);
      expect(delay).toBeGreaterThanOrEqual(1_000);
      expect(delay).toBeLessThanOrEqual(2_000);
    }
  });

  it('applies the jitter after the cap', () => {
    expect(backoffDelayMs(policy({ maxMs: 1_000, jitter: 0.5 }), 10, () => 0)).toBe(500);
    expect(backoffDelayMs(policy({ maxMs: 1_000, jitter: 0.5 }), 10, () => 1)).toBe(1_000);
  });
});

describe('failRun', () => {
  // Kinds without a handler: no worker of this file ever claims these jobs.
  let counter = 0;
  const WORKER = 'w1';

  async function runningJob(input: Omit<EnqueueInput, 'kind'> = {}): Promise<{ job: Job; run: RunRef }> {
    const { job: enqueued } = await enqueueJob(services(), { kind: `rt.svc.${++counter}`, allowUnknownKind: true, ...input }, by);
    const claimed = await claimNext(enqueued.kind);
    expect(claimed?.id).toBe(enqueued.id);
    return { job: claimed!, run: { jobId: claimed!.id, leaseToken: claimed!.leaseToken! } };
  }

  async function claimNext(kind: string): Promise<Job | undefined> {
    const [claimed] = (await claimJobs(services(), { workerId: WORKER, queues: null, kinds: [kind], limit: 1, leaseMs: 30_000 })).jobs;
    return claimed;
  }

  const fail = (run: RunRef, errorClass: 'fatal' | 'transient', retryAfterMs?: number, message = 'upstream said no') =>
    failRun(services(), { ...run, workerId: WORKER, message, errorClass, retryAfterMs });

  /** How long after the failure the job becomes due again (both stamped in the same transaction). */
  const delayOf = (failed: Job) => failed.runAt.getTime() - failed.updatedAt.getTime();

  it('a transient error with attempts left requeues the job after retryAfterMs', async () => {
    const { run } = await runningJob({ maxAttempts: 3 });
    const failed = await fail(run, 'transient', 5_000);
    expect(failed).toMatchObject({ status: 'queued', attempts: 1, leaseToken: null, finishedAt: null });
    expect(delayOf(failed)).toBe(5_000);
    // Not due yet: nobody can claim it before then.
    expect(await claimNext(failed.kind)).toBeUndefined();
    const [, , entry] = await historyOf(run.jobId);
    expect(entry).toMatchObject({ operation: 'failAttempt', actor: WORKER, after: { status: 'queued', errorClass: 'transient', error: 'upstream said no' } });
    expect(new Date((entry!.after as { runAt: string }).runAt).getTime()).toBe(failed.runAt.getTime());
  });

  it('a transient error without retryAfterMs requeues after the job backoff, doubling per attempt', async () => {
    const { run } = await runningJob({ maxAttempts: 3, backoff: { strategy: 'exponential', baseMs: 50, maxMs: 60_000, jitter: 0 } });
    const first = await fail(run, 'transient');
    expect(first).toMatchObject({ status: 'queued', attempts: 1 });
    expect(delayOf(first)).toBe(50);

    const second = await waitFor(() => claimNext(first.kind), { what: 'the retry to become due' });
    expect(second).toMatchObject({ id: run.jobId, attempts: 2 });
    const again = await fail({ jobId: run.jobId, leaseToken: second.leaseToken! }, 'transient');
    expect(again).toMatchObject({ status: 'queued', attempts: 2 });
    expect(delayOf(again)).toBe(100);
  });

  it('a transient error on the last attempt fails the job', async () => {
    const { run } = await runningJob({ maxAttempts: 1 });
    const failed = await fail(run, 'transient', 0);
    expect(failed).toMatchObject({ status: 'failed', attempts: 1, leaseToken: null });
    expect(failed.finishedAt).not.toBeNull();
    expect((await historyOf(run.jobId)).at(-1)).toMatchObject({ operation: 'failAttempt', after: { status: 'failed', errorClass: 'transient' } });
  });

  it('a fatal error fails the job at once, whatever attempts are left', async () => {
    const { run } = await runningJob({ maxAttempts: 10 });
    const failed = await fail(run, 'fatal', undefined, 'no API key');
    expect(failed).toMatchObject({ status: 'failed', attempts: 1, maxAttempts: 10 });
    expect(failed.finishedAt).not.toBeNull();
    expect(failed.lastError).toMatchObject({ message: 'no API key', class: 'fatal', attempt: 1 });
  });

  it('keeps the last error and an error log entry per failed attempt, with class and attempt', async () => {
    const { job: claimed, run } = await runningJob({ maxAttempts: 2 });
    await fail(run, 'transient', 0, 'timeout');
    const second = await waitFor(() => claimNext(claimed.kind), { what: 'the retry to be claimable' });
    const failed = await fail({ jobId: run.jobId, leaseToken: second.leaseToken! }, 'fatal', undefined, 'bad input');
    expect(failed.status).toBe('failed');
    expect(failed.lastError).toMatchObject({ message: 'bad input', class: 'fatal', attempt: 2 });
    expect(failed.errorLog).toEqual([
      expect.objectContaining({ message: 'timeout', class: 'transient', attempt: 1 }),
      expect.objectContaining({ message: 'bad input', class: 'fatal', attempt: 2 }),
    ]);
    for (const error of failed.errorLog) expect(Number.isNaN(new Date(error.at).getTime())).toBe(false);
  });
});

describe('through a worker', () => {
  const workers: Worker[] = [];
  afterEach(async () => {
    await Promise.all(workers.splice(0).map((worker) => worker.stop()));
  });

  async function startWorker() {
    const worker = await startTestWorker(services(), db().database);
    workers.push(worker);
    return worker;
  }

  async function settled(id: number, statuses: JobStatus[] = ['completed', 'failed']): Promise<Job> {
    return waitFor(
      async () => {
        const current = await job(id);
        return statuses.includes(current.status) && current;
      },
      { what: `job ${id} to be ${statuses.join(' or ')}` },
    );
  }

  it('a plain error is retried with backoff and the job succeeds on a later attempt', async () => {
    await startWorker();
    const { job: enqueued } = await enqueueJob(
      services(),
      { kind: 'test.fail', payload: { errorClass: 'plain', succeedOnAttempt: 3 }, maxAttempts: 3, backoff: { baseMs: 10, maxMs: 10 } },
      by,
    );
    const done = await settled(enqueued.id);
    expect(done).toMatchObject({ status: 'completed', attempts: 3, result: { succeededOnAttempt: 3 } });
    expect(done.errorLog).toEqual([
      expect.objectContaining({ message: 'something broke', class: 'transient', attempt: 1 }),
      expect.objectContaining({ message: 'something broke', class: 'transient', attempt: 2 }),
    ]);
    const operations = (await historyOf(enqueued.id)).map((e) => e.operation);
    expect(operations).toEqual(['enqueue', 'claim', 'failAttempt', 'claim', 'failAttempt', 'claim', 'complete']);
  });

  it('a FatalError fails the job after one attempt', async () => {
    await startWorker();
    const { job: enqueued } = await enqueueJob(services(), { kind: 'test.fail', payload: { errorClass: 'fatal' }, maxAttempts: 5 }, by);
    const failed = await settled(enqueued.id);
    expect(failed).toMatchObject({ status: 'failed', attempts: 1, lastError: { message: 'misconfigured: no API key', class: 'fatal', attempt: 1 } });
    expect(failed.errorLog).toHaveLength(1);
    expect((await historyOf(enqueued.id)).map((e) => e.operation)).toEqual(['enqueue', 'claim', 'failAttempt']);
  });

  it('a TransientError is retried no sooner than its retryAfterMs', async () => {
    await startWorker();
    // The default backoff (1 s base, half of it jitter) would wait at least 500 ms; retryAfterMs wins.
    const { job: enqueued } = await enqueueJob(
      services(),
      { kind: 'test.fail', payload: { errorClass: 'transient', retryAfterMs: 200, succeedOnAttempt: 2 }, maxAttempts: 3 },
      by,
    );
    const done = await settled(enqueued.id);
    expect(done).toMatchObject({ status: 'completed', attempts: 2, result: { succeededOnAttempt: 2 } });
    expect(done.errorLog).toEqual([expect.objectContaining({ message: 'rate limited', class: 'transient', attempt: 1 })]);

    const history = await historyOf(enqueued.id);
    const failure = history.find((e) => e.operation === 'failAttempt')!;
    const runAt = new Date((failure.after as { runAt: string }).runAt);
    expect(runAt.getTime() - failure.at.getTime()).toBe(200);
    const retryClaim = history.filter((e) => e.operation === 'claim')[1]!;
    expect(retryClaim.at.getTime()).toBeGreaterThanOrEqual(runAt.getTime());
  });

  it('a TransientError on every attempt fails the job when attempts run out', async () => {
    await startWorker();
    const { job: enqueued } = await enqueueJob(services(), { kind: 'test.fail', payload: { errorClass: 'transient', retryAfterMs: 0 }, maxAttempts: 2 }, by);
    const failed = await settled(enqueued.id);
    expect(failed).toMatchObject({ status: 'failed', attempts: 2, lastError: { class: 'transient', attempt: 2 } });
    expect(failed.errorLog.map((e) => e.attempt)).toEqual([1, 2]);
  });

  it('failed items are recorded and logged, and the job completes with its counts', async () => {
    await startWorker();
    const keys = ['a', 'bad-1', 'b', 'bad-2', 'c'];
    const { job: enqueued } = await enqueueJob(services(), { kind: 'test.items', items: keys }, by);
    const done = await settled(enqueued.id);
    expect(done).toMatchObject({
      status: 'completed',
      attempts: 1,
      itemsTotal: 5,
      itemsProcessed: 3,
      itemsFailed: 2,
      progress: expect.objectContaining({ percent: 100 }),
      result: { processed: 3, failed: 2, seen: keys },
    });
    const items = await listJobItems(services().db, enqueued.id, { first: 10 });
    expect(items.map((i) => [i.key, i.status, i.error])).toEqual([
      ['a', 'processed', null],
      ['bad-1', 'failed', 'cannot process bad-1'],
      ['b', 'processed', null],
      ['bad-2', 'failed', 'cannot process bad-2'],
      ['c', 'processed', null],
    ]);
    for (const item of items) expect(item.processedAt).not.toBeNull();
    expect(done.errorLog).toEqual([
      expect.objectContaining({ class: 'item', item: 'bad-1', attempt: 1, message: 'cannot process bad-1' }),
      expect.objectContaining({ class: 'item', item: 'bad-2', attempt: 1, message: 'cannot process bad-2' }),
    ]);
  });

  it('a retried staged job does not run the stages it completed before', async () => {
    await startWorker();
    const { job: enqueued } = await enqueueJob(services(), { kind: 'test.staged', payload: { failInStageBOnFirstAttempt: true } }, by);
    const done = await settled(enqueued.id);
    expect(done).toMatchObject({ status: 'completed', attempts: 2, result: { executed: ['b', 'c'], value: 3 } });
    expect(done.checkpoint).toMatchObject({ stage: 'c', data: { a: { value: 1 }, b: { value: 2 }, c: { value: 3 } } });
    expect(done.stages.map((s) => [s.name, s.status])).toEqual([
      ['a', 'completed'],
      ['b', 'completed'],
      ['c', 'completed'],
    ]);
    expect(done.errorLog).toEqual([expect.objectContaining({ message: 'b failed', class: 'transient', attempt: 1 })]);
  });

  it('a retried job resumes after its last checkpoint', async () => {
    await startWorker();
    const { job: enqueued } = await enqueueJob(services(), { kind: 'test.steps', payload: { steps: 5, ms: 10, failOnceAt: 3 } }, by);
    const done = await settled(enqueued.id);
    // Attempt 1 checkpointed steps 1 and 2, then failed in step 3: attempt 2 starts at step 3.
    expect(done).toMatchObject({ status: 'completed', attempts: 2, result: { executed: [3, 4, 5], attempt: 2 } });
    expect(done.checkpoint).toMatchObject({ stage: 'step', data: { step: 5 } });
    expect(done.errorLog).toEqual([expect.objectContaining({ message: 'step 3 failed', class: 'transient', attempt: 1 })]);
  });
});
