// Running jobs through the real services: pause and cancel as requests a handler acknowledges,
// failures and expired leases, and the fencing that keeps a stale run from changing its job.
import { describe, expect, it } from 'vitest';
import {
  acknowledgeControl,
  cancelJob,
  completeRuns,
  failRun,
  forceFailJob,
  InvalidTransitionError,
  listJobItems,
  pauseJob,
  recordItem,
  recoverExpiredLeases,
  releaseRuns,
  resumeJob,
  saveCheckpoint,
  StaleLeaseError,
  type RunRef,
} from '../../src/services/index.ts';
import { useTestDatabase } from '../support/db.ts';
import { jobStates, operator, rejection, supervisor, WORKER } from '../support/jobStates.ts';
import { waitFor } from '../support/wait.ts';

const db = useTestDatabase();
const services = () => db().services;
const { claimOne, historyOf, job, expireLease, jobIn } = jobStates(services);

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
    await expireLease(await job(run.jobId));
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
    await expireLease(await job(run.jobId));
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
    await expireLease(running);
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
