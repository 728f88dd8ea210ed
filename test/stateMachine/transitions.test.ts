// The job state machine's transition table, through the real services: every operation from
// every status, landing where the table says with one history entry, or refused changing nothing.
import { describe, expect, it } from 'vitest';
import {
  acknowledgeControl,
  canTransition,
  cancelJob,
  completeRuns,
  deleteJob,
  failRun,
  forceFailJob,
  InvalidTransitionError,
  JOB_STATUSES,
  NotFoundError,
  pauseJob,
  releaseRuns,
  resumeJob,
  retryJob,
  StaleLeaseError,
  TRANSITIONS,
  type JobOperation,
  type JobStatus,
} from '../../src/services/index.ts';
import { useTestDatabase } from '../support/db.ts';
import { jobStates, operator, rejection, supervisor, WORKER, type Subject } from '../support/jobStates.ts';

const db = useTestDatabase();
const services = () => db().services;
const { claimOne, historyOf, job, expireLease, jobIn } = jobStates(services);

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
    apply: ({ job }) => expireLease(job),
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
