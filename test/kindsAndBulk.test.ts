// Issue #10, points 5-7: known kinds (refused unknown kinds and invalid payloads, the kinds query,
// the unserved-kind alert), enqueueJobs in GraphQL, and set-based bulk operations (in the call,
// or as a job of their own that works in chunks). Each through the services and through GraphQL.
import { describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { query } from '../src/db/client.ts';
import {
  applyToJobs,
  cancelJob,
  clearJobs,
  createSchedule,
  enqueueJob,
  enqueueJobs,
  getJob,
  InvalidInputError,
  listAlerts,
  listHistory,
  supervisorSettings,
  UnknownKindError,
  type Job,
} from '../src/services/index.ts';
import { detectUnservedKinds, UNSERVED_KIND_ALERT } from '../src/services/engine/supervisor/unservedKinds.ts';
import { defineHandler } from '../src/worker/handler.ts';
import { useTestDatabase } from './support/db.ts';
import { useLocalApi } from './support/localApi.ts';
import { waitFor } from './support/wait.ts';
import { startTestWorker } from './support/workers.ts';

const db = useTestDatabase();
const { gql } = useLocalApi(db);
const by = { actor: 'kinds-test', reason: 'issue 10' };
let counter = 0;
const unique = (label: string) => `${label}-${++counter}`;
const rejection = (promise: Promise<unknown>) => promise.then(() => null, (error: unknown) => error);
const until = (id: number, accept: (job: Job) => boolean, what: string) =>
  waitFor(async () => {
    const job = await getJob(db().services.db, id);
    return accept(job) ? job : null;
  }, { what: `job ${id}: ${what}` });

async function jobCount(where: ReturnType<typeof sql>): Promise<number> {
  const [row] = await query<{ n: number | string }>(db().services.db, sql`select count(*) as n from jobs where ${where}`);
  return Number(row!.n);
}

describe('5. known kinds', () => {
  it('refuses an unknown kind and a payload its schema refuses, naming the field, and writes nothing', async () => {
    const before = await jobCount(sql`true`);
    const unknown = await rejection(enqueueJob(db().services, { kind: 'no.such.kind' }, by));
    expect(unknown).toBeInstanceOf(UnknownKindError);
    expect(unknown).toMatchObject({ code: 'UNKNOWN_KIND', kind: 'no.such.kind', path: 'kind' });
    const invalid = await rejection(enqueueJob(db().services, { kind: 'test.hold', payload: { ms: 'soon' } }, by));
    expect(invalid).toBeInstanceOf(InvalidInputError);
    expect((invalid as InvalidInputError).issues).toEqual([{ path: 'payload.ms', message: expect.any(String) }]);
    const batch = await rejection(enqueueJobs(db().services, [{ kind: 'test.noop' }, { kind: 'test.hold', payload: { ms: 1.5 } }], by));
    expect((batch as InvalidInputError).issues).toEqual([{ path: '1.payload.ms', message: expect.any(String) }]);
    const schedule = await rejection(createSchedule(db().services, { name: unique('nightly'), cron: '0 2 * * *', kind: 'no.such.kind' }, by));
    expect(schedule).toBeInstanceOf(UnknownKindError);
    expect(await jobCount(sql`true`)).toBe(before);
  });

  it('accepts an unknown kind with allowUnknownKind, and a kind a worker announced (defined in no code here)', async () => {
    const { job } = await enqueueJob(db().services, { kind: 'later.kind', allowUnknownKind: true }, by);
    expect(job).toMatchObject({ kind: 'later.kind', status: 'queued' });
    await cancelJob(db().services, job.id, by);
    expect(await createSchedule(db().services, { name: unique('later'), cron: '0 2 * * *', kind: 'later.kind', allowUnknownKind: true }, by)).toMatchObject({
      kind: 'later.kind',
    });

    const elsewhere = defineHandler({ kind: 'elsewhere.only', stages: ['one'], async run() {} });
    const worker = await startTestWorker(db().services, db().database, { queues: [unique('q-elsewhere')], handlers: new Map([[elsewhere.kind, elsewhere]]) });
    try {
      const { job: announced } = await enqueueJob(db().services, { kind: 'elsewhere.only', queue: 'parked' }, by);
      expect(announced.kind).toBe('elsewhere.only');
      await cancelJob(db().services, announced.id, by);
    } finally {
      await worker.stop();
    }
  });

  it('lists the kinds through GraphQL: stages, payload JSON Schema, and the running workers serving each', async () => {
    const worker = await startTestWorker(db().services, db().database, { queues: [unique('q-kinds')] });
    try {
      const { kinds } = await gql('{ kinds { name stages payloadSchema definedHere announcedAt servedBy } }');
      const byName = new Map(kinds.map((k: { name: string }) => [k.name, k]));
      expect(byName.get('test.fourStages')).toMatchObject({ stages: ['s1', 's2', 's3', 's4'], definedHere: true, servedBy: [worker.id] });
      expect(byName.get('test.hold')).toMatchObject({
        payloadSchema: { type: 'object', properties: { ms: { type: 'integer', default: 100 } } },
        servedBy: [worker.id],
      });
      expect(byName.get('document.process')).toMatchObject({ definedHere: true, stages: ['fetch', 'extract', 'render', 'publish'] });
      const workers = (await gql('{ workers { id kinds } }')).workers;
      expect(workers.find((w: { id: string }) => w.id === worker.id).kinds).toContain('test.hold');
    } finally {
      await worker.stop();
    }
  });

  it('refuses through GraphQL as typed data: UnknownKindError, InvalidInputError on payload.x', async () => {
    const ENQUEUE = `mutation E($input: EnqueueJobInput!) { enqueueJob(input: $input) { __typename
      ... on UnknownKindError { kind path message } ... on InvalidInputError { issues { path } } ... on EnqueueResult { job { kind } } } }`;
    expect((await gql(ENQUEUE, { input: { kind: 'no.such.kind' } })).enqueueJob).toMatchObject({ __typename: 'UnknownKindError', kind: 'no.such.kind', path: 'kind' });
    expect((await gql(ENQUEUE, { input: { kind: 'test.hold', payload: { ms: 'x' } } })).enqueueJob).toEqual({ __typename: 'InvalidInputError', issues: [{ path: 'payload.ms' }] });
    const SCHEDULE = `mutation S($input: CreateScheduleInput!) { createSchedule(input: $input) { __typename ... on UnknownKindError { kind } } }`;
    expect((await gql(SCHEDULE, { input: { name: unique('s'), cron: '0 3 * * *', kind: 'no.such.kind' } })).createSchedule).toEqual({ __typename: 'UnknownKindError', kind: 'no.such.kind' });
    // The engine's own bulk kind is not for callers: it would act with rights checked by no one.
    expect((await gql(ENQUEUE, { input: { kind: 'engine.bulk', payload: { operation: 'delete', filter: { queue: 'x' }, actor: 'admin' } } })).enqueueJob).toEqual({
      __typename: 'InvalidInputError',
      issues: [{ path: 'kind' }],
    });
  });

  it('raises an alert while jobs wait on a kind no running worker serves, and resolves it once one does', async () => {
    const waiting = defineHandler({ kind: 'served.later', async run() {} });
    const queue = unique('q-unserved');
    const { job } = await enqueueJob(db().services, { kind: waiting.kind, queue, allowUnknownKind: true }, by);
    const tick = () => detectUnservedKinds({ ctx: db().services, settings: { ...supervisorSettings(db().services), supervisorIntervalMs: 0 }, by: { actor: 'supervisor' }, previousTickAt: null });
    const open = async () => (await listAlerts(db().services.db, { kind: UNSERVED_KIND_ALERT, open: true, first: 50 })).alerts.filter((a) => a.targetId === waiting.kind);
    await waitFor(async () => ((await tick()).unservedKinds ?? 0) >= 1 && (await open()).length === 1, { what: 'the unserved-kind alert' });
    expect((await open())[0]).toMatchObject({ targetType: 'kind', severity: 'warning', details: { kind: waiting.kind, waiting: 1 } });
    const worker = await startTestWorker(db().services, db().database, { queues: [queue], handlers: new Map([[waiting.kind, waiting]]) });
    try {
      await until(job.id, (j) => j.status === 'completed', 'completed by the new worker');
      await tick();
      expect(await open()).toEqual([]);
    } finally {
      await worker.stop();
    }
  });
});

describe('6. enqueueJobs in GraphQL', () => {
  const ENQUEUE_JOBS = `mutation E($inputs: [EnqueueJobInput!]!) { enqueueJobs(inputs: $inputs, reason: "batch") { __typename
    ... on EnqueueJobsResult { enqueued deduplicated refused results { index deduplicated job { databaseId kind createdBy } error { code message issues { path } kind } } }
    ... on InvalidInputError { issues { path message } } } }`;

  it('answers each input at its index: its job and dedupe result, or its error; one bad job keeps out only itself', async () => {
    const dedupeKey = unique('batch-key');
    const { enqueueJobs: result } = await gql(ENQUEUE_JOBS, {
      inputs: [
        { kind: 'test.noop', queue: 'parked', dedupeKey },
        { kind: 'test.hold', queue: 'parked', payload: { ms: 'x' } },
        { kind: 'no.such.kind', queue: 'parked' },
        { kind: 'test.noop', queue: 'parked', dedupeKey },
        { kind: 'bad kind!', queue: 'parked' },
        { kind: 'test.items', queue: 'parked', items: ['a', 'b'] },
      ],
    });
    expect(result).toMatchObject({ __typename: 'EnqueueJobsResult', enqueued: 2, deduplicated: 1, refused: 3 });
    const [first, invalid, unknown, duplicate, badName, withItems] = result.results;
    expect(first).toMatchObject({ index: 0, deduplicated: false, error: null, job: { kind: 'test.noop', createdBy: 'local' } });
    expect(invalid).toMatchObject({ index: 1, job: null, error: { code: 'INVALID_INPUT', issues: [{ path: 'payload.ms' }], kind: null } });
    expect(unknown).toMatchObject({ index: 2, job: null, error: { code: 'UNKNOWN_KIND', kind: 'no.such.kind', issues: [{ path: 'kind' }] } });
    expect(duplicate).toMatchObject({ index: 3, deduplicated: true, job: { databaseId: first.job.databaseId } });
    expect(badName).toMatchObject({ index: 4, job: null, error: { code: 'INVALID_INPUT', issues: [{ path: 'kind' }] } });
    expect(withItems.job.kind).toBe('test.items');
    expect((await getJob(db().services.db, withItems.job.databaseId)).itemsTotal).toBe(2);
  });

  it('refuses more than 1,000 jobs per call, or none, writing nothing', async () => {
    const before = await jobCount(sql`true`);
    const tooMany = Array.from({ length: 1_001 }, () => ({ kind: 'test.noop', queue: 'parked' }));
    expect((await gql(ENQUEUE_JOBS, { inputs: tooMany })).enqueueJobs).toMatchObject({ __typename: 'InvalidInputError', issues: [{ path: 'inputs' }] });
    expect((await gql(ENQUEUE_JOBS, { inputs: [] })).enqueueJobs).toMatchObject({ __typename: 'InvalidInputError', issues: [{ path: 'inputs' }] });
    expect(await jobCount(sql`true`)).toBe(before);
  });
});

describe('7. bulk operations, set-based', () => {
  const parked = async (queue: string, n: number) => (await enqueueJobs(db().services, Array.from({ length: n }, (_, i) => ({ kind: 'test.noop', queue, payload: { i } })), by)).map((r) => r.job);
  const historyCount = async (operation: string, reason: string) => {
    const [row] = await query<{ n: number | string }>(db().services.db, sql`select count(*) as n from history where operation = ${operation} and reason = ${reason} and target_type = 'job'`);
    return Number(row!.n);
  };

  it('cancels, retries and deletes 5,000 jobs in the call, each with its history entry', async () => {
    const queue = unique('q-bulk5k');
    await parked(queue, 5_000);
    const cancel = await applyToJobs(db().services, { queue }, 'cancel', { actor: 'bulk', reason: `${queue} cancel` });
    expect(cancel).toEqual({ matched: 5_000, changed: 5_000, skipped: 0, job: null });
    expect(await historyCount('cancel', `${queue} cancel`)).toBe(5_000);
    const retry = await applyToJobs(db().services, { queue, status: ['cancelled'] }, 'retry', { actor: 'bulk', reason: `${queue} retry` });
    expect(retry).toMatchObject({ matched: 5_000, changed: 5_000 });
    expect(await historyCount('retry', `${queue} retry`)).toBe(5_000);
    const remove = await applyToJobs(db().services, { queue }, 'delete', { actor: 'bulk', reason: `${queue} delete` });
    expect(remove).toMatchObject({ matched: 5_000, changed: 5_000 });
    expect(await historyCount('delete', `${queue} delete`)).toBe(5_000);
    expect(await jobCount(sql`queue = ${queue}`)).toBe(0);
  });

  it('asks running jobs to stop, and skips a retry whose dedupe key a live job holds', async () => {
    const queue = unique('q-bulk-running');
    const worker = await startTestWorker(db().services, db().database, { queues: [queue] });
    try {
      const { job: running } = await enqueueJob(db().services, { kind: 'test.hold', queue, payload: { ms: 60_000 } }, by);
      await until(running.id, (j) => j.status === 'running' && worker.activeJobIds.includes(j.id), 'running');
      expect(await applyToJobs(db().services, { queue }, 'cancel', by)).toMatchObject({ matched: 1, changed: 1 });
      await until(running.id, (j) => j.status === 'cancelled', 'cancelled by its worker');
    } finally {
      await worker.stop();
    }
    const key = unique('key');
    const { job: old } = await enqueueJob(db().services, { kind: 'test.noop', queue: unique('q-parked'), dedupeKey: key }, by);
    await cancelJob(db().services, old.id, by);
    await enqueueJob(db().services, { kind: 'test.noop', queue: 'parked', dedupeKey: key }, by);
    expect(await applyToJobs(db().services, { queue: old.queue }, 'retry', by)).toMatchObject({ matched: 1, changed: 0, skipped: 1 });
  });

  it('runs a large operation as a job of its own: returns at once with it, works in chunks, reports progress', async () => {
    const queue = unique('q-bulk-job');
    await parked(queue, 30);
    const worker = await startTestWorker(db().services, db().database, { queues: ['default'] });
    try {
      const outcome = await applyToJobs(db().services, { queue }, 'cancel', { actor: 'bulk-job', reason: `${queue} cancel` }, { background: true });
      expect(outcome).toMatchObject({ matched: 0, changed: 0, job: { kind: 'engine.bulk', status: 'queued' } });
      const done = await until(outcome.job!.id, (j) => j.status === 'completed', 'the bulk job to complete');
      expect(done.result).toEqual({ operation: 'cancel', matched: 30, changed: 30, skipped: 0 });
      expect(done.progress).toMatchObject({ percent: 100 });
      expect(await historyCount('cancel', `${queue} cancel`)).toBe(30);
      // The entries are the caller's, not the worker's.
      const { entries } = await listHistory(db().services.db, { operation: 'cancel', actor: 'bulk-job' }, { first: 100 });
      expect(entries.length).toBeGreaterThanOrEqual(30);

      const cleared = await clearJobs(db().services, { status: 'cancelled', queue }, { actor: 'bulk-job', reason: 'clear' }, { background: true });
      await until(cleared.job!.id, (j) => j.status === 'completed', 'the clear job to complete');
      expect(await jobCount(sql`queue = ${queue}`)).toBe(0);
      const summary = await listHistory(db().services.db, { targetType: 'jobs', operation: 'clear', actor: 'bulk-job' }, { first: 1 });
      expect(summary.entries[0]).toMatchObject({ after: { deleted: 30, status: 'cancelled', queue } });
    } finally {
      await worker.stop();
    }
  });

  it('through GraphQL: cancelJobs, retryJobs, deleteJobs and clearJobs, in the call or as a job whose progress can be followed', async () => {
    const queue = unique('q-bulk-gql');
    await parked(queue, 40);
    const BULK = (name: string) => `mutation B($filter: JobFilter!, $background: Boolean) { ${name}(filter: $filter, reason: "gql bulk", background: $background) {
      __typename ... on BulkResult { matched changed skipped job { databaseId kind status } } } }`;
    expect((await gql(BULK('cancelJobs'), { filter: { queue } })).cancelJobs).toEqual({ __typename: 'BulkResult', matched: 40, changed: 40, skipped: 0, job: null });
    const worker = await startTestWorker(db().services, db().database, { queues: ['default'] });
    try {
      const { retryJobs } = await gql(BULK('retryJobs'), { filter: { queue, status: ['cancelled'] }, background: true });
      expect(retryJobs).toMatchObject({ matched: 0, job: { kind: 'engine.bulk', status: 'queued' } });
      const id = retryJobs.job.databaseId;
      const followed = await waitFor(
        async () => {
          const { job } = await gql('query J($id: ID!) { job(id: $id) { status progress { percent message } result } }', { id: String(id) });
          return job.status === 'completed' ? job : null;
        },
        { what: 'the bulk retry job' },
      );
      expect(followed).toMatchObject({ progress: { percent: 100, message: '40 of 40 jobs (0 skipped)' }, result: { operation: 'retry', matched: 40, changed: 40 } });
      expect(await jobCount(sql`queue = ${queue} and status = 'queued'`)).toBe(40);
    } finally {
      await worker.stop();
    }
    expect((await gql(BULK('deleteJobs'), { filter: { queue, status: ['queued'] } })).deleteJobs).toMatchObject({ matched: 40, changed: 40 });
    const CLEAR = `mutation C($queue: String) { clearJobs(status: cancelled, queue: $queue) { __typename ... on ClearResult { deleted job { id } } } }`;
    expect((await gql(CLEAR, { queue })).clearJobs).toEqual({ __typename: 'ClearResult', deleted: 0, job: null });
  });
});
