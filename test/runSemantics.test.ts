// Issue #10, points 1-4: what a run promises a domain. A stage whose checkpoint was saved is done
// and never runs again; every context call is a stop point for pause and cancel; failed items are
// in the history and the completion carries the counts; a run number that only grows. Each
// through the services and through GraphQL, with a real worker.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  cancelJob,
  enqueueJob,
  getJob,
  listHistory,
  pauseJob,
  resumeJob,
  retryJob,
  ITEM_FAILURES_IN_HISTORY,
  type EnqueueInput,
  type HistoryEntry,
  type Job,
} from '../src/services/index.ts';
import type { Worker } from '../src/worker/worker.ts';
import { useTestDatabase } from './support/db.ts';
import { useLocalApi } from './support/localApi.ts';
import { waitFor } from './support/wait.ts';
import { startTestWorker } from './support/workers.ts';

const db = useTestDatabase();
const { gql } = useLocalApi(db);
const by = { actor: 'run-test', reason: 'issue 10' };

let worker: Worker;
beforeAll(async () => {
  worker = await startTestWorker(db().services, db().database, { queues: ['runs'], concurrency: 10 });
});
afterAll(async () => {
  await worker?.stop();
});

const enqueue = async (input: Omit<EnqueueInput, 'queue'>) => (await enqueueJob(db().services, { ...input, queue: 'runs' }, by)).job;
const job = (id: number) => getJob(db().services.db, id);
const until = (id: number, accept: (job: Job) => boolean, what: string) =>
  waitFor(async () => ((await job(id)) && accept(await job(id)) ? job(id) : null), { what: `job ${id}: ${what}` });
const stageStatuses = (j: Job) => Object.fromEntries(j.stages.map((s) => [s.name, s.status]));

/** The job's history, oldest first. */
async function historyOf(id: number): Promise<HistoryEntry[]> {
  return (await listHistory(db().services.db, { targetType: 'job', targetId: String(id) }, { first: 1_000 })).entries.reverse();
}

const JOB_FIELDS = `status attempts runs stages { name status } lastCheckpoint { stage data } result progress { percent }
  errorLog { class attempt run message item } history(first: 100) { edges { node { operation after } } }`;
const readJob = async (id: number) => (await gql(`query J($id: ID!) { job(id: $id) { ${JOB_FIELDS} } }`, { id: String(id) })).job;
const control = async (name: 'pauseJob' | 'resumeJob' | 'cancelJob' | 'retryJob', id: number) =>
  (await gql(`mutation M($id: ID!) { ${name}(id: $id, reason: "issue 10") { __typename ... on Job { status controlRequest } ... on Error { message } } }`, { id: String(id) }))[name];

describe('1. a stage whose checkpoint was saved is completed and never runs again', () => {
  it('a pause heard while a stage runs (its code ignores the signal) lands after the stage: completed, not run again on resume', async () => {
    const started = await enqueue({ kind: 'test.fourStages', payload: { holdIn: 's2' } });
    await until(started.id, (j) => stageStatuses(j).s2 === 'running', 's2 running');
    await pauseJob(db().services, started.id, by);
    const paused = await until(started.id, (j) => j.status === 'paused', 'paused');
    expect(stageStatuses(paused)).toEqual({ s1: 'completed', s2: 'completed', s3: 'pending', s4: 'pending' });
    expect(paused.checkpoint).toMatchObject({ stage: 's2', data: { s1: { run: 1 }, s2: { run: 1 } } });
    await resumeJob(db().services, started.id, by);
    const done = await until(started.id, (j) => j.status === 'completed', 'completed');
    expect(done.result).toEqual({ executed: ['s3', 's4'], ranIn: { s1: 1, s2: 1, s3: 2, s4: 2 } });
    expect(Object.values(stageStatuses(done))).toEqual(['completed', 'completed', 'completed', 'completed']);
  });

  it('a stage interrupted before its checkpoint (it honours the signal) runs again on resume', async () => {
    const started = await enqueue({ kind: 'test.fourStages', payload: { holdIn: 's2', honourSignal: true } });
    await until(started.id, (j) => stageStatuses(j).s2 === 'running', 's2 running');
    await pauseJob(db().services, started.id, by);
    const paused = await until(started.id, (j) => j.status === 'paused', 'paused');
    expect(stageStatuses(paused)).toMatchObject({ s1: 'completed', s2: 'running' });
    expect(paused.checkpoint?.stage).toBe('s1');
    // Resumed, s2 would hold again: this time the test lets it wait for a cancel, and checks it ran.
    await resumeJob(db().services, started.id, by);
    await until(started.id, (j) => j.status === 'running' && j.runs === 2 && stageStatuses(j).s2 === 'running', 's2 running again in run 2');
    await cancelJob(db().services, started.id, by);
    const cancelled = await until(started.id, (j) => j.status === 'cancelled', 'cancelled');
    expect(cancelled.checkpoint?.data).toEqual({ s1: { run: 1 } });
  });

  it('a retry after a failure in s3 skips s1 and s2 (through GraphQL)', async () => {
    const started = await enqueue({ kind: 'test.fourStages', payload: { failFatallyIn: 's3' } });
    await until(started.id, (j) => j.status === 'failed', 'failed in s3');
    expect((await control('retryJob', started.id)).status).toBe('queued');
    await until(started.id, (j) => j.status === 'completed', 'completed');
    const read = await readJob(started.id);
    expect(read.result).toEqual({ executed: ['s3', 's4'], ranIn: { s1: 1, s2: 1, s3: 2, s4: 2 } });
    expect(read.stages).toEqual(['s1', 's2', 's3', 's4'].map((name) => ({ name, status: 'completed' })));
  });
});

describe('2. every context call is a stop point for cancel and pause', () => {
  const reports = ['progress', 'checkpoint', 'stage', 'item'] as const;
  const start = (report: (typeof reports)[number]) =>
    enqueue({ kind: 'test.ignoresSignal', payload: { report }, ...(report === 'item' ? { items: Array.from({ length: 400 }, (_, i) => `i${i}`) } : {}) });
  /** How far the handler got, by what its report left behind: all 400 steps when nothing stopped it. */
  const stepsDone = (report: (typeof reports)[number], j: Job) =>
    ({
      progress: ((j.progress?.percent ?? 0) * 400) / 100,
      checkpoint: (j.checkpoint?.data as { step?: number } | null)?.step ?? 0,
      stage: j.stages.filter((s) => s.status === 'completed').length,
      item: j.itemsProcessed,
    })[report];
  const working = (id: number) => until(id, (j) => j.status === 'running' && j.heartbeatAt !== null && j.startedAt !== null, 'running');

  it.each(reports)('a handler that only calls ctx.%s stops at a cancel, without completing', async (report) => {
    const started = await start(report);
    await working(started.id);
    await cancelJob(db().services, started.id, by);
    const cancelled = await until(started.id, (j) => j.status === 'cancelled', 'cancelled');
    expect(cancelled.result).toBeNull();
    expect(stepsDone(report, cancelled)).toBeLessThan(400);
    expect((await historyOf(started.id)).map((e) => e.operation)).toEqual(['enqueue', 'claim', 'cancel', 'acknowledgeControl']);
  });

  it.each(reports)('a handler that only calls ctx.%s pauses at a pause, and runs again once resumed (through GraphQL)', async (report) => {
    const started = await start(report);
    await working(started.id);
    expect(await control('pauseJob', started.id)).toMatchObject({ __typename: 'Job', status: 'running', controlRequest: 'pause' });
    await until(started.id, (j) => j.status === 'paused', 'paused');
    const paused = await readJob(started.id);
    expect(paused).toMatchObject({ status: 'paused', attempts: 0, runs: 1, result: null });
    expect(stepsDone(report, await job(started.id))).toBeLessThan(400);
    expect(await control('resumeJob', started.id)).toMatchObject({ status: 'queued' });
    await until(started.id, (j) => j.status === 'running' && j.runs === 2, 'running again');
    await cancelJob(db().services, started.id, by);
    await until(started.id, (j) => j.status === 'cancelled', 'cancelled in run 2');
  });
  it.each(['cancel', 'pause'] as const)('a handler that returns after a %s was asked ends that way, its result dropped', async (request) => {
    const started = await enqueue({ kind: 'test.ignoresSignal', payload: { report: 'returns' } });
    await until(started.id, (j) => j.status === 'running' && j.progress?.message === 'waiting for a stop', 'waiting for a stop');
    expect(await control(request === 'cancel' ? 'cancelJob' : 'pauseJob', started.id)).toMatchObject({ status: 'running', controlRequest: request });
    const ended = await until(started.id, (j) => j.status === (request === 'cancel' ? 'cancelled' : 'paused'), `${request} acknowledged`);
    expect(ended.result).toBeNull();
    expect((await historyOf(started.id)).map((e) => e.operation)).toEqual(['enqueue', 'claim', request, 'acknowledgeControl']);
    if (request === 'pause') await cancelJob(db().services, started.id, by);
  });
});

describe('3. item failures are in the history; the completion carries the counts', () => {
  it('names the failed item, why and in which run; the complete entry has total, processed and failed', async () => {
    const started = await enqueue({ kind: 'test.items', items: ['a', 'b', 'bad-c', 'd', 'e'] });
    await until(started.id, (j) => j.status === 'completed', 'completed');
    const history = await historyOf(started.id);
    expect(history.map((e) => e.operation)).toEqual(['enqueue', 'claim', 'itemFailed', 'complete']);
    expect(history[2]).toMatchObject({ actor: worker.id, after: { item: 'bad-c', position: 2, error: 'cannot process bad-c', run: 1, attempt: 1, itemsFailed: 1 } });
    expect(history[3]!.after).toMatchObject({ status: 'completed', run: 1, items: { total: 5, processed: 4, failed: 1 } });
    const read = await readJob(started.id);
    expect(read.history.edges.map((e: { node: { operation: string } }) => e.node.operation)).toEqual(['complete', 'itemFailed', 'claim', 'enqueue']);
    expect(read.errorLog).toEqual([{ class: 'item', attempt: 1, run: 1, message: 'cannot process bad-c', item: 'bad-c' }]);
  });

  it(`writes one entry per failed item for the first ${ITEM_FAILURES_IN_HISTORY}, then only counts`, async () => {
    const count = ITEM_FAILURES_IN_HISTORY + 20;
    const started = await enqueue({ kind: 'test.items', items: Array.from({ length: count }, (_, i) => `bad-${i}`) });
    await until(started.id, (j) => j.status === 'completed', 'completed');
    const history = await historyOf(started.id);
    expect(history.filter((e) => e.operation === 'itemFailed')).toHaveLength(ITEM_FAILURES_IN_HISTORY);
    expect(history.at(-1)!.after).toMatchObject({ items: { total: count, processed: 0, failed: count } });
  });
});

describe('4. a run number that only grows', () => {
  it('numbers every run across retries: errors and history entries say which run; attempts restart per try', async () => {
    const started = await enqueue({ kind: 'test.fail', payload: { errorClass: 'fatal' } });
    await until(started.id, (j) => j.status === 'failed', 'failed once');
    await retryJob(db().services, started.id, by);
    await until(started.id, (j) => j.status === 'failed' && j.runs === 2, 'failed twice');
    const read = await readJob(started.id);
    expect(read).toMatchObject({ status: 'failed', attempts: 1, runs: 2 });
    expect(read.errorLog.map((e: { attempt: number; run: number }) => [e.attempt, e.run])).toEqual([
      [1, 1],
      [1, 2],
    ]);
    const runsOf = (operation: string) =>
      read.history.edges.filter((e: { node: { operation: string } }) => e.node.operation === operation).map((e: { node: { after: { run: number } } }) => e.node.after.run);
    expect(runsOf('claim')).toEqual([2, 1]);
    expect(runsOf('failAttempt')).toEqual([2, 1]);
  });

  it('a paused job that ran shows attempts 0 (the pause gave its attempt back) and runs 1', async () => {
    const started = await enqueue({ kind: 'test.hold', payload: { ms: 60_000 } });
    await until(started.id, (j) => j.status === 'running', 'running');
    await control('pauseJob', started.id);
    await until(started.id, (j) => j.status === 'paused', 'paused');
    expect(await readJob(started.id)).toMatchObject({ status: 'paused', attempts: 0, runs: 1 });
    const { __type } = await gql(`{ __type(name: "Job") { fields { name description } } }`);
    const attempts = __type.fields.find((f: { name: string }) => f.name === 'attempts');
    expect(attempts.description).toMatch(/pause/);
    await cancelJob(db().services, started.id, by);
  });
});
