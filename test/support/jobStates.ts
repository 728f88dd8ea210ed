// Jobs brought to each status through the real services, the way a user's jobs get there, for the
// state machine tests (test/stateMachine/), and what those tests read back: the job, its history.
import { expect } from 'vitest';
import {
  acknowledgeControl,
  cancelJob,
  claimJobs,
  completeRuns,
  enqueueJob,
  failRun,
  getJob,
  listHistory,
  pauseJob,
  recoverExpiredLeases,
  releaseRuns,
  type HistoryEntry,
  type Job,
  type JobStatus,
  type RunRef,
} from '../../src/services/index.ts';
import type { ServiceContext } from '../../src/services/context.ts';
import { waitFor } from './wait.ts';

export const WORKER = 'w1';
export const operator = { actor: 'operator', reason: 'testing' };
export const supervisor = { actor: 'supervisor' };

// All tests of a file share one database: each job gets a kind of its own, so a claim takes only that job.
let counter = 0;
/** A number no other test of the file uses. */
export const uniqueNumber = () => ++counter;
/** A kind of the test's own, so that only the test claims its jobs; no handler defines it (allowUnknownKind). */
export const newKind = (label: string) => `sm.${label}.${uniqueNumber()}`;

/** Resolves to the error the promise rejects with; fails the test if it resolves. */
export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => expect.unreachable('expected the operation to be refused'),
    (error: unknown) => error,
  );
}

export interface Subject {
  job: Job;
  /** The run that claimed the job; stale unless the job is running. */
  run: RunRef;
}

/** The helpers bound to the test file's services. */
export function jobStates(services: () => ServiceContext) {
  async function claimOne(kind: string, leaseMs = 30_000): Promise<Job | undefined> {
    const [job] = (await claimJobs(services(), { workerId: WORKER, queues: null, kinds: [kind], limit: 1, leaseMs })).jobs;
    return job;
  }

  /** The job's history, newest first. */
  async function historyOf(jobId: number): Promise<HistoryEntry[]> {
    const { entries } = await listHistory(services().db, { targetType: 'job', targetId: String(jobId) }, { first: 1_000 });
    return entries;
  }

  const job = (id: number) => getJob(services().db, id);

  /** The supervisor's recovery of expired leases, as it reaches `job`: true when it recovered that job's lease. */
  async function expireLease(job: Job): Promise<boolean> {
    const recovered = async () => (await recoverExpiredLeases(services(), supervisor)).some((j) => j.id === job.id);
    if (job.status !== 'running') return recovered();
    // The 1 ms lease has run out once the database clock has moved past it.
    return waitFor(recovered, { what: `the lease of job ${job.id} to be recovered` });
  }

  /**
   * A job in `status`, brought there the way a user's job gets there. Every job is claimed once,
   * so even a job that is no longer running has a (stale) lease token a worker could still send.
   */
  async function jobIn(
    status: JobStatus,
    options: { leaseMs?: number; maxAttempts?: number; items?: string[]; queue?: string } = {},
  ): Promise<Subject> {
    const { job: enqueued } = await enqueueJob(
      services(),
      { kind: newKind(status), allowUnknownKind: true, maxAttempts: options.maxAttempts, items: options.items, queue: options.queue },
      operator,
    );
    const claimed = await claimOne(enqueued.kind, options.leaseMs);
    expect(claimed?.id).toBe(enqueued.id);
    const run = { jobId: enqueued.id, leaseToken: claimed!.leaseToken! };
    const asWorker = { ...run, workerId: WORKER };
    switch (status) {
      case 'running':
        break;
      case 'queued':
        await releaseRuns(services(), WORKER, [run]);
        break;
      case 'paused':
        await pauseJob(services(), run.jobId, operator);
        await acknowledgeControl(services(), asWorker);
        break;
      case 'cancelled':
        await cancelJob(services(), run.jobId, operator);
        await acknowledgeControl(services(), asWorker);
        break;
      case 'completed':
        await completeRuns(services(), WORKER, [{ ...run, result: { done: true }, metrics: {} }]);
        break;
      case 'failed':
        await failRun(services(), { ...asWorker, message: 'broken', errorClass: 'fatal' });
        break;
    }
    const current = await job(run.jobId);
    expect(current.status).toBe(status);
    return { job: current, run };
  }

  return { claimOne, historyOf, job, expireLease, jobIn };
}
