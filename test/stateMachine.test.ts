// The job state machine, through the real services: every operation of the transition table
// from every status, the history entry each transition leaves, and lease fencing of stale runs.
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { query } from '../src/db/client.ts';
import {
  acknowledgeControl,
  canTransition,
  cancelJob,
  claimJobs,
  clearJobs,
  completeRuns,
  deleteJob,
  enqueueJob,
  failRun,
  forceFailJob,
  getJob,
  DedupeConflictError,
  InvalidTransitionError,
  JOB_STATUSES,
  listHistory,
  listJobItems,
  NotFoundError,
  pauseJob,
  recordItem,
  recoverExpiredLeases,
  releaseRuns,
  resumeJob,
  retryJob,
  saveCheckpoint,
  StaleLeaseError,
  TRANSITIONS,
  type HistoryEntry,
  type Job,
  type JobOperation,
  type JobStatus,
  type RunRef,
} from '../src/services/index.ts';
import { useTestDatabase } from './support/db.ts';
import { waitFor } from './support/wait.ts';

const db = useTestDatabase();
const services = () => db().services;

const WORKER = 'w1';
const operator = { actor: 'operator', reason: 'testing' };
const supervisor = { actor: 'supervisor' };

// All tests share one database: each job gets a kind of its own, so a claim takes only that job.
let counter = 0;
/** A kind of the test's own, so that only the test claims its jobs; no handler defines it (allowUnknownKind). */
const newKind = (label: string) => `sm.${label}.${++counter}`;

async function claimOne(kind: string, leaseMs = 30_000): Promise<Job | undefined> {
  const [job] = await claimJobs(services(), { workerId: WORKER, queues: null, kinds: [kind], limit: 1, leaseMs });
  return job;
}

/** The job's history, newest first. */
async function historyOf(jobId: number): Promise<HistoryEntry[]> {
  const { entries } = await listHistory(services().db, { targetType: 'job', targetId: String(jobId) }, { first: 1_000 });
  return entries;
}

const job = (id: number) => getJob(services().db, id);

/** Resolves to the error the promise rejects with; fails the test if it resolves. */
async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => expect.unreachable('expected the operation to be refused'),
    (error: unknown) => error,
  );
}

interface Subject {
  job: Job;
  /** The run that claimed the job; stale unless the job is running. */
  run: RunRef;
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

type Refusal = 'InvalidTransitionError' | 'StaleLeaseError' | 'not applied';

interface OperationCase {
  /** How the service refuses the operation on a job in a status it does not apply to. */
  refusal: Refusal;
  actor: string;
  reason: string | null;
  /** Lease of the claim that brings the job up (expireLease needs one that runs out). */
  leaseMs?: number;
  /** Readies the job for the operation (acknowledgeControl needs a pause or cancel asked). */
  prepare?: (subject: Subject) => Promise<void>;
  /** Applies the operation to the job; true when the service reports it changed the job. */
  apply: (subject: Subject) => Promise<boolean>;
}

const OPERATIONS: Record<JobOperation, OperationCase> = {
  claim: {
    refusal: 'not applied',
    actor: WORKER,
    reason: null,
    apply: async ({ job }) => (await claimOne(job.kind))?.id === job.id,
  },
  complete: {
    refusal: 'not applied',
    actor: WORKER,
    reason: null,
    apply: async ({ run }) => (await completeRuns(services(), WORKER, [{ ...run, result: { done: true }, metrics: {} }])).includes(run.jobId),
  },
  failAttempt: {
    refusal: 'StaleLeaseError',
    actor: WORKER,
    reason: null,
    apply: async ({ run }) => {
      await failRun(services(), { ...run, workerId: WORKER, message: 'flaky', errorClass: 'transient' });
      return true;
    },
  },
  release: {
    refusal: 'not applied',
    actor: WORKER,
    reason: 'worker shutting down',
    apply: async ({ run }) => (await releaseRuns(services(), WORKER, [run])).includes(run.jobId),
  },
  expireLease: {
    refusal: 'not applied',
    actor: supervisor.actor,
    reason: 'lease expired',
    leaseMs: 1,
    apply: async ({ job }) => {
      const recovered = async () => (await recoverExpiredLeases(services(), supervisor)).some((j) => j.id === job.id);
      if (job.status !== 'running') return recovered();
      // The 1 ms lease has run out once the database clock has moved past it.
      return waitFor(recovered, { what: `the lease of job ${job.id} to be recovered` });
    },
  },
  pause: {
    refusal: 'InvalidTransitionError',
    actor: operator.actor,
    reason: operator.reason,
    apply: async ({ job }) => (await pauseJob(services(), job.id, operator), true),
  },
  acknowledgeControl: {
    refusal: 'StaleLeaseError',
    actor: WORKER,
    reason: null,
    prepare: async ({ job }) => {
      if (job.status === 'running') await pauseJob(services(), job.id, operator);
    },
    apply: async ({ run }) => (await acknowledgeControl(services(), { ...run, workerId: WORKER }), true),
  },
  resume: {
    refusal: 'InvalidTransitionError',
    actor: operator.actor,
    reason: operator.reason,
    apply: async ({ job }) => (await resumeJob(services(), job.id, operator), true),
  },
  cancel: {
    refusal: 'InvalidTransitionError',
    actor: operator.actor,
    reason: operator.reason,
    apply: async ({ job }) => (await cancelJob(services(), job.id, operator), true),
  },
  retry: {
    refusal: 'InvalidTransitionError',
    actor: operator.actor,
    reason: operator.reason,
    apply: async ({ job }) => (await retryJob(services(), job.id, operator), true),
  },
  forceFail: {
    refusal: 'InvalidTransitionError',
    actor: operator.actor,
    reason: operator.reason,
    apply: async ({ job }) => (await forceFailJob(services(), job.id, operator), true),
  },
  delete: {
    refusal: 'InvalidTransitionError',
    actor: operator.actor,
    reason: operator.reason,
    apply: async ({ job }) => (await deleteJob(services(), job.id, operator), true),
  },
};

/**
 * Where each operation takes a job from each status it applies to (written out here, not read
 * from TRANSITIONS, so the test checks the table). A running job asked to pause or cancel stays
 * running until its handler acknowledges; failAttempt and expireLease with attempts left requeue.
 */
const EXPECTED: Record<JobOperation, Partial<Record<JobStatus, JobStatus | 'deleted'>>> = {
  claim: { queued: 'running' },
  complete: { running: 'completed' },
  failAttempt: { running: 'queued' },
  release: { running: 'queued' },
  expireLease: { running: 'queued' },
  pause: { queued: 'paused', running: 'running' },
  acknowledgeControl: { running: 'paused' },
  resume: { paused: 'queued' },
  cancel: { queued: 'cancelled', paused: 'cancelled', running: 'running' },
  retry: { failed: 'queued', cancelled: 'queued' },
  forceFail: { queued: 'failed', running: 'failed', paused: 'failed' },
  delete: { queued: 'deleted', paused: 'deleted', completed: 'deleted', failed: 'deleted', cancelled: 'deleted' },
};

const cases = (Object.keys(EXPECTED) as JobOperation[]).flatMap((operation) =>
  JOB_STATUSES.map((status) => ({ operation, status, lands: EXPECTED[operation][status] ?? null })),
);

describe('the transition table', () => {
  it('names every operation and allows exactly the transitions tested here', () => {
    expect(Object.keys(TRANSITIONS).sort()).toEqual(Object.keys(EXPECTED).sort());
    for (const { operation, status, lands } of cases) {
      expect(canTransition(operation, status), `${operation} from ${status}`).toBe(lands !== null);
      if (lands && lands !== 'deleted') expect(TRANSITIONS[operation].to as readonly string[], `${operation} from ${status}`).toContain(lands);
    }
  });

  it.each(cases.filter((c) => c.lands))('$operation from $status lands $lands with one history entry', async ({ operation, status, lands }) => {
    const op = OPERATIONS[operation];
    const subject = await jobIn(status, { leaseMs: op.leaseMs });
    await op.prepare?.(subject);
    const before = await historyOf(subject.job.id);

    expect(await op.apply(subject)).toBe(true);

    const after = await historyOf(subject.job.id);
    expect(after).toHaveLength(before.length + 1);
    expect(after.slice(1)).toEqual(before);
    const entry = after[0]!;
    expect(entry).toMatchObject({ operation, actor: op.actor, reason: op.reason, targetType: 'job', before: { status } });
    if (lands === 'deleted') {
      await expect(job(subject.job.id)).rejects.toBeInstanceOf(NotFoundError);
      expect(entry.after).toBeNull();
    } else {
      const current = await job(subject.job.id);
      expect(current.status).toBe(lands);
      expect(entry.after).toMatchObject({ status: lands, attempt: current.attempts });
      if (lands === 'running' && status === 'running') expect(current.controlRequest).toBe(operation);
    }
  });

  it.each(cases.filter((c) => !c.lands))('$operation from $status is refused and changes nothing', async ({ operation, status }) => {
    const op = OPERATIONS[operation];
    const subject = await jobIn(status, { leaseMs: op.leaseMs });
    await op.prepare?.(subject);
    const jobBefore = await job(subject.job.id);
    const historyBefore = await historyOf(subject.job.id);

    if (op.refusal === 'not applied') {
      expect(await op.apply(subject)).toBe(false);
    } else {
      const error = await rejection(op.apply(subject));
      if (op.refusal === 'InvalidTransitionError') {
        expect(error).toBeInstanceOf(InvalidTransitionError);
        expect(error).toMatchObject({ code: 'INVALID_TRANSITION', jobId: subject.job.id, from: status, operation });
      } else {
        expect(error).toBeInstanceOf(StaleLeaseError);
      }
    }

    expect(await job(subject.job.id)).toEqual(jobBefore);
    expect(await historyOf(subject.job.id)).toEqual(historyBefore);
  });
});

describe('running jobs', () => {
  it('a pause does not replace a cancel already asked of the run', async () => {
    const { run } = await jobIn('running');
    await cancelJob(services(), run.jobId, operator);
    expect(await rejection(pauseJob(services(), run.jobId, operator))).toBeInstanceOf(InvalidTransitionError);
    expect(await job(run.jobId)).toMatchObject({ status: 'running', controlRequest: 'cancel' });
    expect(await acknowledgeControl(services(), { ...run, workerId: WORKER })).toMatchObject({ status: 'cancelled' });
  });

  it('a run that died while asked to pause ends paused without using up its attempt', async () => {
    const { run } = await jobIn('running', { leaseMs: 1 });
    await pauseJob(services(), run.jobId, operator);
    await waitFor(async () => (await recoverExpiredLeases(services(), supervisor)).some((j) => j.id === run.jobId));
    expect(await job(run.jobId)).toMatchObject({ status: 'paused', attempts: 0 });
  });

  it('a fatal failure fails the job at once, with attempts left', async () => {
    const { run } = await jobIn('running', { maxAttempts: 5 });
    const failed = await failRun(services(), { ...run, workerId: WORKER, message: 'bad config', errorClass: 'fatal' });
    expect(failed).toMatchObject({ status: 'failed', attempts: 1, maxAttempts: 5, leaseToken: null });
    expect(failed.finishedAt).not.toBeNull();
    const [entry] = await historyOf(run.jobId);
    expect(entry).toMatchObject({
      operation: 'failAttempt',
      actor: WORKER,
      before: { status: 'running' },
      after: { status: 'failed', attempt: 1, error: 'bad config', errorClass: 'fatal' },
    });
  });

  it('an expired lease with no attempts left fails the job', async () => {
    const { run } = await jobIn('running', { leaseMs: 1, maxAttempts: 1 });
    await OPERATIONS.expireLease.apply({ job: await job(run.jobId), run });
    const failed = await job(run.jobId);
    expect(failed).toMatchObject({ status: 'failed', leaseToken: null, lastError: { class: 'transient', attempt: 1 } });
    expect(failed.lastError?.message).toMatch(/lease expired/);
    expect(failed.finishedAt).not.toBeNull();
    const [entry] = await historyOf(run.jobId);
    expect(entry).toMatchObject({ operation: 'expireLease', actor: 'supervisor', reason: 'lease expired', before: { status: 'running' }, after: { status: 'failed', workerId: WORKER } });
  });

  it.each([
    ['pause', 'paused'],
    ['cancel', 'cancelled'],
  ] as const)('an expired lease of a run asked to %s leaves the job %s', async (request, status) => {
    const { run } = await jobIn('running', { leaseMs: 1 });
    await (request === 'pause' ? pauseJob : cancelJob)(services(), run.jobId, operator);
    await OPERATIONS.expireLease.apply({ job: await job(run.jobId), run });
    expect(await job(run.jobId)).toMatchObject({ status, controlRequest: null, leaseToken: null });
    const [entry] = await historyOf(run.jobId);
    expect(entry).toMatchObject({ operation: 'expireLease', before: { status: 'running' }, after: { status } });
  });

  it('pause of a running job is a request; the acknowledgement pauses it without using up an attempt; resume requeues it', async () => {
    const { run } = await jobIn('running', { maxAttempts: 2 });

    const requested = await pauseJob(services(), run.jobId, operator);
    expect(requested).toMatchObject({ status: 'running', controlRequest: 'pause', attempts: 1, leaseToken: run.leaseToken });
    expect((await historyOf(run.jobId))[0]).toMatchObject({
      operation: 'pause',
      actor: 'operator',
      reason: 'testing',
      before: { status: 'running' },
      after: { status: 'running', requested: 'pause' },
    });

    const paused = await acknowledgeControl(services(), { ...run, workerId: WORKER });
    expect(paused).toMatchObject({ status: 'paused', controlRequest: null, attempts: 0, leaseToken: null });
    expect(paused.pausedAt).not.toBeNull();

    const resumed = await resumeJob(services(), run.jobId, operator);
    expect(resumed).toMatchObject({ status: 'queued', resumeCount: 1, attempts: 0 });

    // The next run is attempt 1 again, and it can complete.
    const again = await claimOne(resumed.kind);
    expect(again).toMatchObject({ id: run.jobId, status: 'running', attempts: 1 });
    expect(again!.leaseToken).not.toBe(run.leaseToken);
    expect(await completeRuns(services(), WORKER, [{ jobId: run.jobId, leaseToken: again!.leaseToken!, result: null, metrics: {} }])).toEqual([run.jobId]);

    const history = await historyOf(run.jobId);
    expect(history.map((e) => [e.operation, (e.before as { status?: string } | null)?.status ?? null, (e.after as { status?: string } | null)?.status ?? null]).reverse()).toEqual([
      ['enqueue', null, 'queued'],
      ['claim', 'queued', 'running'],
      ['pause', 'running', 'running'],
      ['acknowledgeControl', 'running', 'paused'],
      ['resume', 'paused', 'queued'],
      ['claim', 'queued', 'running'],
      ['complete', 'running', 'completed'],
    ]);
  });

  it('cancel of a running job is a request; the acknowledgement cancels it', async () => {
    const { run } = await jobIn('running');
    const requested = await cancelJob(services(), run.jobId, operator);
    expect(requested).toMatchObject({ status: 'running', controlRequest: 'cancel', leaseToken: run.leaseToken });

    const cancelled = await acknowledgeControl(services(), { ...run, workerId: WORKER });
    expect(cancelled).toMatchObject({ status: 'cancelled', controlRequest: null, leaseToken: null, attempts: 1 });
    expect(cancelled.finishedAt).not.toBeNull();
    const [ack, request] = await historyOf(run.jobId);
    expect(request).toMatchObject({ operation: 'cancel', actor: 'operator', reason: 'testing', after: { status: 'running', requested: 'cancel' } });
    expect(ack).toMatchObject({ operation: 'acknowledgeControl', actor: WORKER, before: { status: 'running' }, after: { status: 'cancelled' } });
  });

  it('acknowledging when nothing was asked is refused and changes nothing', async () => {
    const { run } = await jobIn('running');
    const before = await job(run.jobId);
    const history = await historyOf(run.jobId);
    expect(await rejection(acknowledgeControl(services(), { ...run, workerId: WORKER }))).toBeInstanceOf(StaleLeaseError);
    expect(await job(run.jobId)).toEqual(before);
    expect(await historyOf(run.jobId)).toEqual(history);
  });
});

describe('lease fencing', () => {
  /** Everything a stale run could still try: none of it may touch the job. */
  async function expectStaleRunFenced(run: RunRef) {
    const before = await job(run.jobId);
    const history = await historyOf(run.jobId);
    const items = await listJobItems(services().db, run.jobId, { first: 100 });

    expect(await completeRuns(services(), WORKER, [{ ...run, result: { late: true }, metrics: {} }])).toEqual([]);
    expect(await releaseRuns(services(), WORKER, [run])).toEqual([]);
    expect(await rejection(failRun(services(), { ...run, workerId: WORKER, message: 'late', errorClass: 'transient' }))).toBeInstanceOf(StaleLeaseError);
    expect(await rejection(recordItem(services(), run, 0, { ok: true }))).toBeInstanceOf(StaleLeaseError);
    expect(await rejection(saveCheckpoint(services(), run, 'late', { step: 99 }))).toBeInstanceOf(StaleLeaseError);

    expect(await job(run.jobId)).toEqual(before);
    expect(await historyOf(run.jobId)).toEqual(history);
    expect(await listJobItems(services().db, run.jobId, { first: 100 })).toEqual(items);
  }

  it('a run whose job was force-failed can no longer change it', async () => {
    const { run } = await jobIn('running', { items: ['a', 'b'] });
    const failed = await forceFailJob(services(), run.jobId, operator);
    expect(failed).toMatchObject({ status: 'failed', leaseToken: null, lastError: { class: 'fatal', message: 'testing', attempt: 1 } });
    await expectStaleRunFenced(run);
    expect((await job(run.jobId)).status).toBe('failed');
  });

  it('a run whose lease was recovered can no longer change the job, nor the run that took it over', async () => {
    const { job: running, run } = await jobIn('running', { leaseMs: 1, items: ['a', 'b'] });
    await OPERATIONS.expireLease.apply({ job: running, run });
    expect(await job(run.jobId)).toMatchObject({ status: 'queued', leaseToken: null });
    await expectStaleRunFenced(run);

    const next = await claimOne(running.kind);
    expect(next).toMatchObject({ id: run.jobId, attempts: 2 });
    await expectStaleRunFenced(run);

    // The new run still holds the job.
    const current = { jobId: run.jobId, leaseToken: next!.leaseToken! };
    await recordItem(services(), current, 0, { ok: true });
    await saveCheckpoint(services(), current, 'items', { done: 1 });
    expect(await completeRuns(services(), WORKER, [{ ...current, result: { ok: true }, metrics: {} }])).toEqual([run.jobId]);
    expect(await job(run.jobId)).toMatchObject({ status: 'completed', itemsProcessed: 1, checkpoint: { stage: 'items', data: { done: 1 } }, result: { ok: true } });
  });
});

describe('retry and dedupe keys', () => {
  it('refuses to retry a job whose dedupe key a newer live job holds, and changes nothing', async () => {
    const kind = newKind('dedupe');
    const { job: first } = await enqueueJob(services(), { kind, allowUnknownKind: true, dedupeKey: `${kind}-key` }, operator);
    await cancelJob(services(), first.id, operator);
    const { job: second } = await enqueueJob(services(), { kind, allowUnknownKind: true, dedupeKey: `${kind}-key` }, operator);
    const error = await rejection(retryJob(services(), first.id, operator));
    expect(error).toBeInstanceOf(DedupeConflictError);
    expect(error).toMatchObject({ code: 'DEDUPE_CONFLICT', liveJobId: second.id });
    expect(await job(first.id)).toMatchObject({ status: 'cancelled' });
  });
});

describe('delete and clear', () => {
  it('deleting a job removes it and its items but keeps its history', async () => {
    const { run } = await jobIn('completed', { items: ['a'] });
    const history = await historyOf(run.jobId);
    const deleted = await deleteJob(services(), run.jobId, operator);
    expect(deleted.id).toBe(run.jobId);

    await expect(job(run.jobId)).rejects.toBeInstanceOf(NotFoundError);
    expect(await listJobItems(services().db, run.jobId, { first: 10 })).toEqual([]);
    const after = await historyOf(run.jobId);
    expect(after.slice(1)).toEqual(history);
    expect(after[0]).toMatchObject({ operation: 'delete', actor: 'operator', reason: 'testing', before: { status: 'completed', runId: deleted.runId }, after: null });
    expect(after.map((e) => e.operation)).toContain('enqueue');
  });

  it('clearJobs deletes only jobs of the given status finished before the given time, with a delete entry per job and one summary entry', async () => {
    const queue = `sm-clear-${++counter}`;
    const older = await jobIn('completed', { queue });
    // Let the database clock move on, so the next job finishes strictly later.
    const cutoff = new Date(older.job.finishedAt!.getTime() + 1);
    await waitFor(async () => {
      const [row] = await query<{ now: string | Date }>(services().db, sql`select clock_timestamp() as now`);
      return new Date(row!.now).getTime() > cutoff.getTime() + 1;
    }, { what: 'the database clock to pass the cutoff' });
    const newer = await jobIn('completed', { queue });
    const failed = await jobIn('failed', { queue });
    const elsewhere = await jobIn('completed');
    expect(newer.job.finishedAt!.getTime()).toBeGreaterThan(cutoff.getTime());

    const clears = async () => (await listHistory(services().db, { targetType: 'jobs', operation: 'clear' }, { first: 100 })).entries;
    const clearsBefore = await clears();

    expect(await clearJobs(services(), { status: 'completed', olderThan: cutoff, queue }, operator)).toEqual({ deleted: 1, job: null });
    await expect(job(older.job.id)).rejects.toBeInstanceOf(NotFoundError);
    expect((await job(newer.job.id)).status).toBe('completed');
    expect((await job(failed.job.id)).status).toBe('failed');
    expect((await job(elsewhere.job.id)).status).toBe('completed');

    const afterFirst = await clears();
    expect(afterFirst).toHaveLength(clearsBefore.length + 1);
    expect(afterFirst[0]).toMatchObject({
      operation: 'clear',
      actor: 'operator',
      reason: 'testing',
      targetType: 'jobs',
      targetId: 'completed',
      after: { deleted: 1, status: 'completed', olderThan: cutoff.toISOString(), queue },
    });
    // The deleted job's own history stays, and ends with its delete, by whom and why.
    expect((await historyOf(older.job.id))[0]).toMatchObject({ operation: 'delete', actor: 'operator', reason: 'testing', before: { status: 'completed' } });

    expect(await clearJobs(services(), { status: 'completed', queue }, operator)).toEqual({ deleted: 1, job: null });
    await expect(job(newer.job.id)).rejects.toBeInstanceOf(NotFoundError);
    expect((await job(failed.job.id)).status).toBe('failed');
    expect((await job(elsewhere.job.id)).status).toBe('completed');
    const afterSecond = await clears();
    expect(afterSecond).toHaveLength(clearsBefore.length + 2);
    expect(afterSecond[0]).toMatchObject({ after: { deleted: 1, status: 'completed', olderThan: null, queue } });
  });
});
