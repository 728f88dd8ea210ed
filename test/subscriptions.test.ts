import type { Client } from 'graphql-ws';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { graphiqlExamples, renderExamples } from '../src/api/examples/index.ts';
import { startApiServer, type ApiServer } from '../src/api/server.ts';
import { jobFollowers, type Waker } from '../src/resolvers/engine/jobFollowers.ts';
import { createApiKey, revokeApiKey } from '../src/services/engine/apiKeys.ts';
import {
  cancelJob,
  configureQueue,
  createRedisBus,
  enqueueJob,
  pauseQueue,
  releaseGovernor,
  resumeQueue,
  tryAcquireGovernor,
} from '../src/services/index.ts';
import type { Worker } from '../src/worker/worker.ts';
import { serverMode, useTestDatabase } from './support/db.ts';
import {
  countingBus,
  spawnApiProcess,
  subscribeSse,
  subscribeWs,
  wsClient,
  type ApiProcess,
  type CountingBus,
  type Subscription,
} from './support/subscriptions.ts';
import { waitFor } from './support/wait.ts';
import { spawnWorkerProcess, startTestWorker, type WorkerProcess } from './support/workers.ts';

const db = useTestDatabase();
const by = { actor: 'test', reason: 'subscription test' };

let api: ApiServer;
let bus: CountingBus;
/** The API process's own listeners (its metrics), there for as long as it runs. */
let permanentListeners = 0;
/** Listeners of subscriptions. */
const subscriptionListeners = () => bus.listeners() - permanentListeners;

// Everything a test opens, closed after it whatever happened.
let clients: Client[] = [];
let subscriptions: Subscription<unknown>[] = [];
let workers: Worker[] = [];
let processes: { stop(): Promise<unknown> }[] = [];

beforeAll(async () => {
  bus = countingBus(db().services.bus);
  api = await startApiServer({ services: { ...db().services, bus }, port: 0, host: '127.0.0.1', production: false });
  permanentListeners = bus.listeners();
});

afterEach(async () => {
  for (const subscription of subscriptions) subscription.stop();
  await Promise.all(clients.map((client) => client.dispose()));
  await Promise.all(workers.map((worker) => worker.stop()));
  await Promise.all(processes.map((process) => process.stop()));
  clients = [];
  subscriptions = [];
  workers = [];
  processes = [];
});

afterAll(async () => {
  await api?.close();
});

function client(url = api.url, authorization?: string): Client {
  const c = wsClient(url, authorization);
  clients.push(c);
  return c;
}

function ws<T = any>(query: string, variables?: Record<string, unknown>, on: Client = client()) {
  const subscription = subscribeWs<T>(on, query, variables);
  subscriptions.push(subscription);
  return subscription;
}

function sse<T = any>(query: string, variables?: Record<string, unknown>, headers?: Record<string, string>, operationName?: string) {
  const subscription = subscribeSse<T>(api.url, query, variables, headers, operationName);
  subscriptions.push(subscription);
  return subscription;
}

async function worker(queues: string[]) {
  const w = await startTestWorker(db().services, db().database, { queues, pollIntervalMs: 100 });
  workers.push(w);
  return w;
}

type JobView = { id: string; databaseId: number; runId: string; status: string; progress: { percent: number; stage: string | null } | null };
const JOB = /* GraphQL */ `
  subscription Follow($id: ID!) {
    job(id: $id) { id databaseId runId status progress { percent stage } }
  }
`;

describe('job subscription', () => {
  it('yields the job as it is, then its progress until it completes, over graphql-ws and SSE', async () => {
    const { job } = await enqueueJob(db().services, { kind: 'test.steps', queue: 'sub-job', payload: { steps: 4, ms: 30 } }, by);
    const byId = ws<{ job: JobView }>(JOB, { id: String(job.id) });
    const byRunId = sse<{ job: JobView }>(JOB, { id: job.runId });

    // The current state first: no worker has seen the job yet.
    const first = (await byId.feed.nextData()).job;
    expect(first).toMatchObject({ databaseId: job.id, runId: job.runId, status: 'queued', progress: null });
    expect((await byRunId.feed.nextData()).job).toEqual(first);

    await worker(['sub-job']);
    for (const { feed } of [byId, byRunId]) {
      await feed.until(({ job: j }) => j.status === 'completed');
      const states = feed.messages.map((m) => m.data!.job);
      const running = states.filter((j) => j.status === 'running');
      expect(running.some((j) => (j.progress?.percent ?? 0) > 0 && j.progress?.stage?.startsWith('step-'))).toBe(true);
      // Progress only goes forward.
      const percents = running.map((j) => j.progress?.percent ?? 0);
      expect(percents).toEqual([...percents].sort((a, b) => a - b));
      expect(feed.messages.every((m) => !m.errors)).toBe(true);
    }
  });

  it("runs GraphiQL's example \"follow a job's progress live\" as GraphiQL sends it", async () => {
    const { job } = await enqueueJob(db().services, { kind: 'test.noop', queue: 'sub-example' }, by);
    const { feed } = sse<{ job: { runId: string; status: string; progress: unknown } }>(renderExamples(graphiqlExamples, { job: job.runId, failedJob: null }), {}, {}, 'FollowJob');
    expect((await feed.nextData()).job).toMatchObject({ runId: job.runId, status: 'queued', progress: null });
  });

  it('yields null and ends for a job that does not exist', async () => {
    const { feed } = ws<{ job: JobView | null }>(JOB, { id: '999999999' });
    expect(await feed.nextData()).toEqual({ job: null });
    await feed.ended();
    expect(feed.completed).toBe(true);
  });
});

type JobsUpdate = { snapshot: boolean; jobs: { databaseId: number; status: string; queueName: string }[]; removed: { databaseId: number; deleted: boolean }[] };
const JOBS = /* GraphQL */ `
  subscription Jobs($filter: JobFilter) {
    jobs(filter: $filter) { snapshot jobs { databaseId status queueName } removed { databaseId deleted } }
  }
`;

describe('jobs subscription', () => {
  it('delivers only the jobs that match the filter, and drops those that stop matching', async () => {
    const { services } = db();
    const { job: before } = await enqueueJob(services, { kind: 'test.noop', queue: 'sub-jobs' }, by);
    const { job: elsewhere } = await enqueueJob(services, { kind: 'test.noop', queue: 'sub-jobs-other' }, by);
    const { feed } = sse<{ jobs: JobsUpdate }>(JOBS, { filter: { queue: 'sub-jobs', status: ['queued'] } });

    const snapshot = (await feed.nextData()).jobs;
    expect(snapshot).toEqual({ snapshot: true, jobs: [{ databaseId: before.id, status: 'queued', queueName: 'sub-jobs' }], removed: [] });

    // A job that does not match, then one that does: the stream is in order, so the first would show up before the second.
    const { job: other } = await enqueueJob(services, { kind: 'test.noop', queue: 'sub-jobs-other' }, by);
    const { job: matching } = await enqueueJob(services, { kind: 'test.noop', queue: 'sub-jobs' }, by);
    await feed.until(({ jobs }) => jobs.jobs.some((j) => j.databaseId === matching.id));

    // Run them: once running they no longer match, and the stream says to drop them.
    await worker(['sub-jobs']);
    const removed = new Set<number>();
    await feed.until(({ jobs }) => {
      for (const r of jobs.removed) removed.add(r.databaseId);
      return removed.has(before.id) && removed.has(matching.id);
    });

    const updates = feed.messages.map((m) => m.data!.jobs);
    const delivered = updates.flatMap((u) => u.jobs);
    expect(delivered.every((j) => j.queueName === 'sub-jobs' && j.status === 'queued')).toBe(true);
    expect(delivered.map((j) => j.databaseId)).not.toContain(other.id);
    expect(delivered.map((j) => j.databaseId)).not.toContain(elsewhere.id);
    expect(updates.flatMap((u) => u.removed)).toEqual(
      expect.arrayContaining([
        { databaseId: before.id, deleted: false },
        { databaseId: matching.id, deleted: false },
      ]),
    );
    expect(updates.slice(1).every((u) => !u.snapshot)).toBe(true);
  });
});

type QueueView = { name: string; paused: boolean; stats: { queued: number } };
const QUEUE_STATS = /* GraphQL */ `
  subscription Stats($name: String) {
    queueStats(name: $name) { name paused stats { queued } }
  }
`;

describe('queueStats subscription', () => {
  it('yields the queue with its stats, then recounts at most every 200 ms however many jobs arrive', async () => {
    const { services } = db();
    await enqueueJob(services, { kind: 'test.noop', queue: 'sub-stats' }, by);
    const named = ws<{ queueStats: QueueView[] }>(QUEUE_STATS, { name: 'sub-stats' });
    const all = sse<{ queueStats: QueueView[] }>(QUEUE_STATS);

    expect((await named.feed.nextData()).queueStats).toEqual([{ name: 'sub-stats', paused: false, stats: { queued: 1 } }]);
    expect((await all.feed.nextData()).queueStats).toEqual(expect.arrayContaining([{ name: 'sub-stats', paused: false, stats: { queued: 1 } }]));

    // Another queue first: the named subscription never mentions it; the all-queues one does.
    await enqueueJob(services, { kind: 'test.noop', queue: 'sub-stats-2' }, by);
    for (let i = 0; i < 8; i++) await enqueueJob(services, { kind: 'test.noop', queue: 'sub-stats' }, by);
    await pauseQueue(services, 'sub-stats', by);

    const last = await named.feed.until(({ queueStats }) => queueStats[0]?.stats.queued === 9 && queueStats[0].paused);
    expect(last.queueStats).toEqual([{ name: 'sub-stats', paused: true, stats: { queued: 9 } }]);
    expect(named.feed.messages.flatMap((m) => m.data!.queueStats.map((q) => q.name))).not.toContain('sub-stats-2');
    // Ten changes, coalesced: consecutive messages are at least ~200 ms apart.
    const { arrivals } = named.feed;
    expect(arrivals.length).toBeLessThan(10);
    for (let i = 1; i < arrivals.length; i++) expect(arrivals[i]! - arrivals[i - 1]!).toBeGreaterThanOrEqual(150);

    await all.feed.until(({ queueStats }) => queueStats.some((q) => q.name === 'sub-stats-2' && q.stats.queued === 1));
  });
});

describe('governors subscription', () => {
  it('yields the governors as they are, then each change', async () => {
    const { services } = db();
    await tryAcquireGovernor(services, 'sub-gov', 'holder-1', { leaseMs: 60_000 });
    const { feed } = ws<{ governors: { name: string; holder: string | null; pending: boolean }[] }>(
      /* GraphQL */ `subscription { governors { name holder pending } }`,
    );
    const snapshot = (await feed.nextData()).governors;
    expect(snapshot).toContainEqual({ name: 'sub-gov', holder: 'holder-1', pending: false });

    await releaseGovernor(services, 'sub-gov', { ...by, holder: 'holder-1' });
    const change = await feed.until(({ governors }) => governors.some((g) => g.name === 'sub-gov'));
    expect(change.governors).toEqual([{ name: 'sub-gov', holder: null, pending: false }]);
  });
});

describe('historyAppended subscription', () => {
  it('yields the recent matching entries, then each entry appended, and nothing that does not match', async () => {
    const { services } = db();
    await enqueueJob(services, { kind: 'test.noop', queue: 'sub-hist', delayMs: 3_600_000 }, by);
    await pauseQueue(services, 'sub-hist', { actor: 'ops', reason: 'paper jam' });
    const { feed } = sse<{ historyAppended: { id: string; operation: string; actor: string; targetId: string; reason: string | null; at: string }[] }>(
      /* GraphQL */ `subscription { historyAppended(targetType: "queue", targetId: "sub-hist") { id operation actor targetId reason at } }`,
    );
    const snapshot = (await feed.nextData()).historyAppended;
    expect(snapshot).toMatchObject([{ operation: 'pause', actor: 'ops', targetId: 'sub-hist', reason: 'paper jam' }]);

    await configureQueue(services, { name: 'sub-hist-other', concurrency: 2 }, by);
    await resumeQueue(services, 'sub-hist', { actor: 'ops', reason: 'fixed' });
    const next = (await feed.nextData()).historyAppended;
    expect(next).toMatchObject([{ operation: 'resume', actor: 'ops', targetId: 'sub-hist', reason: 'fixed' }]);
    expect(Number(next[0]!.id)).toBeGreaterThan(Number(snapshot[0]!.id));
    expect(new Date(next[0]!.at).getTime()).not.toBeNaN();
  });
});

describe('ending a subscription', () => {
  it('removes its bus listeners, for graphql-ws complete, SSE abort and client dispose', async () => {
    const { services } = db();
    await waitFor(() => subscriptionListeners() === 0, { what: 'no listeners left by earlier tests' });
    const { job } = await enqueueJob(services, { kind: 'test.noop', queue: 'sub-unsub' }, by);
    const c = client();
    const followed = ws(JOB, { id: String(job.id) }, c);
    const governors = ws(/* GraphQL */ `subscription { governors { name } }`, {}, c);
    const stats = sse(QUEUE_STATS, { name: 'sub-unsub' });
    await Promise.all([followed.feed.next(), governors.feed.next(), stats.feed.next()]);
    // job: updated, progress, deleted; governors: 1; queueStats: job updated, job deleted, queue updated.
    expect(subscriptionListeners()).toBe(7);

    // Each ends while waiting for an event that never comes: the end must not wait for one.
    followed.stop();
    await waitFor(() => subscriptionListeners() === 4, { what: 'the job subscription to unsubscribe' });
    stats.stop();
    await waitFor(() => subscriptionListeners() === 1, { what: 'the SSE subscription to unsubscribe' });
    await c.dispose();
    await waitFor(() => subscriptionListeners() === 0, { what: 'the disposed client to unsubscribe' });

    // Changes after the end reach no one, and nothing failed.
    const seen = followed.feed.messages.length + governors.feed.messages.length + stats.feed.messages.length;
    await tryAcquireGovernor(services, 'sub-unsub', 'h', { leaseMs: 1_000 });
    await enqueueJob(services, { kind: 'test.noop', queue: 'sub-unsub' }, by);
    expect(followed.feed.messages.length + governors.feed.messages.length + stats.feed.messages.length).toBe(seen);
    expect([followed.feed.error, governors.feed.error, stats.feed.error]).toEqual([null, null, null]);
  });
});

describe('job followers', () => {
  it('share one bus listener per job event and one read per change; a change wakes only its own job\'s followers', async () => {
    const { services } = db();
    const counted = countingBus(services.bus);
    const followers = jobFollowers({ ...services, bus: counted });
    // Both enqueued, and their events heard (through Redis they arrive later): no event of theirs is still on its way.
    const heard = new Set<number>();
    const stopHearing = services.bus.subscribe('job:updated', (event) => heard.add(event.id));
    await services.bus.subscribed('job:updated');
    const { job: a } = await enqueueJob(services, { kind: 'test.noop', queue: 'sub-followers' }, by);
    const { job: b } = await enqueueJob(services, { kind: 'test.noop', queue: 'sub-followers' }, by);
    await waitFor(() => heard.has(a.id) && heard.has(b.id), { what: 'the enqueue events' });
    stopHearing();
    const waker = (): Waker & { fired: number } => ({ fired: 0, fire() { this.fired++; } });
    const [wa1, wa2, wb] = [waker(), waker(), waker()];
    const [fa1, fa2, fb] = [followers.follow(a.id, wa1), followers.follow(a.id, wa2), followers.follow(b.id, wb)];
    // job:updated, job:progress, job:deleted: once for every follower of every job.
    expect(counted.listeners()).toBe(3);

    await Promise.all([fa1.live(), fa2.live(), fb.live()]);
    const first = await fa1.read();
    expect(first.job).toMatchObject({ id: a.id, status: 'queued' });
    expect(await fa2.read()).toBe(first);

    await cancelJob(services, a.id, by);
    await waitFor(() => wa1.fired > 0 && wa2.fired > 0, { what: 'the followers of the cancelled job to wake' });
    expect(wb.fired).toBe(0);
    const after = await fa2.read();
    expect(after).not.toBe(first);
    expect(after.job).toMatchObject({ id: a.id, status: 'cancelled' });
    expect(await fa1.read()).toBe(after);
    expect((await fb.read()).job).toMatchObject({ id: b.id, status: 'queued' });

    fa1.stop();
    fa1.stop();
    fa2.stop();
    expect(counted.listeners()).toBe(3);
    fb.stop();
    expect(counted.listeners()).toBe(0);
  });
});

describe.runIf(process.env.REDIS_URL)('the Redis bus', () => {
  it('subscribes to a channel once for all its listeners, and hands each event to each of them once', async () => {
    const [publisher, subscriber] = [new Redis(process.env.REDIS_URL!), new Redis(process.env.REDIS_URL!)];
    let subscribes = 0;
    const subscribe = subscriber.subscribe.bind(subscriber) as (channel: string) => Promise<unknown>;
    subscriber.subscribe = ((channel: string) => (subscribes++, subscribe(channel))) as typeof subscriber.subscribe;
    const redisBus = createRedisBus(publisher, subscriber, `${db().redisPrefix}-once`);
    try {
      const heard = Array.from({ length: 50 }, () => [] as string[]);
      const stops = heard.map((got) => redisBus.subscribe('governor:updated', ({ governor }) => got.push(governor.name)));
      let otherHeard = 0;
      const other = redisBus.subscribe('queue:updated', () => otherHeard++);
      await Promise.all(heard.map(() => redisBus.subscribed('governor:updated')));
      await redisBus.subscribed('queue:updated');
      expect(subscribes).toBe(2);

      redisBus.publish('governor:updated', { governor: { name: 'once' } as never });
      await waitFor(() => heard.every((got) => got.length === 1), { what: 'every listener to hear the event' });
      expect(heard.flat()).toEqual(Array(50).fill('once'));
      expect(otherHeard).toBe(0);

      // The channel stays subscribed: a listener coming after the others left needs no new SUBSCRIBE.
      for (const stop of stops) stop();
      const later: string[] = [];
      const stopLater = redisBus.subscribe('governor:updated', ({ governor }) => later.push(governor.name));
      await redisBus.subscribed('governor:updated');
      expect(subscribes).toBe(2);
      redisBus.publish('governor:updated', { governor: { name: 'again' } as never });
      await waitFor(() => later.length === 1, { what: 'the later listener to hear the event' });
      expect(heard.flat()).toHaveLength(50);
      stopLater();
      other();
    } finally {
      await redisBus.close();
    }
  });

  it('sends the events of one type published together as one message, in order, and ignores messages it did not write', async () => {
    const [publisher, subscriber, watcher] = [new Redis(process.env.REDIS_URL!), new Redis(process.env.REDIS_URL!), new Redis(process.env.REDIS_URL!)];
    const prefix = `${db().redisPrefix}-batch`;
    const redisBus = createRedisBus(publisher, subscriber, prefix);
    try {
      const messages: string[] = [];
      watcher.on('message', (_channel: string, message: string) => messages.push(message));
      await watcher.subscribe(`${prefix}:governor:updated`);
      const heard: string[] = [];
      const stop = redisBus.subscribe('governor:updated', ({ governor }) => heard.push(governor.name));
      await redisBus.subscribed('governor:updated');

      // Not a bus message: dropped, and the process goes on.
      const stranger = new Redis(process.env.REDIS_URL!);
      await stranger.publish(`${prefix}:governor:updated`, 'not json {');
      stranger.disconnect();
      for (const name of ['a', 'b', 'c']) redisBus.publish('governor:updated', { governor: { name } as never });
      await waitFor(() => heard.length === 3, { what: 'the three events' });
      expect(heard).toEqual(['a', 'b', 'c']);
      expect(messages.filter((m) => m.startsWith('['))).toHaveLength(1);
      stop();
    } finally {
      watcher.disconnect();
      await redisBus.close();
    }
  });
});

describe('errors over graphql-ws', () => {
  it('keep the message and code of an expected error', async () => {
    const { feed } = ws(/* GraphQL */ `subscription { jobs(first: 1000) { snapshot } }`);
    const message = await feed.next();
    expect(message.data ?? null).toBeNull();
    expect(message.errors).toMatchObject([{ message: 'first must be 0 to 500', extensions: { code: 'INVALID_INPUT' } }]);
  });
});

describe('authorisation', () => {
  it('refuses graphql-ws connections without a valid key once keys exist; a viewer key subscribes', async () => {
    const { services } = db();
    const { key } = await createApiKey(services, { name: 'sub-viewer', role: 'viewer' }, by);
    try {
      const GOVERNORS = /* GraphQL */ `subscription { governors { name } }`;
      for (const authorization of [undefined, 'Bearer prk_not-a-key', key]) {
        const { feed } = ws(GOVERNORS, {}, client(api.url, authorization));
        await feed.ended();
        expect(feed.messages).toEqual([]);
        expect((feed.error as { code?: number }).code).toBe(4403);
      }

      const { feed } = ws<{ governors: { name: string }[] }>(GOVERNORS, {}, client(api.url, `Bearer ${key}`));
      expect(Array.isArray((await feed.nextData()).governors)).toBe(true);

      // SSE without a key: an error, no data, and no listener left behind.
      const refused = sse(GOVERNORS);
      const message = await refused.feed.next();
      expect(message.data ?? null).toBeNull();
      expect(message.errors).toMatchObject([{ message: expect.stringMatching(/^an API key is required/), extensions: { code: 'UNAUTHENTICATED' } }]);
      const viewer = sse<{ governors: { name: string }[] }>(GOVERNORS, {}, { authorization: `Bearer ${key}` });
      expect(Array.isArray((await viewer.feed.nextData()).governors)).toBe(true);
      expect(bus.listeners('governor:updated')).toBe(2);
    } finally {
      await revokeApiKey(services, 'sub-viewer', by);
    }
  });
});

describe.runIf(serverMode)('across processes', () => {
  it('a client of an API process follows a job that a worker process runs', async () => {
    const { services } = db();
    const apiProcess: ApiProcess = await spawnApiProcess(db());
    processes.push(apiProcess);
    const { job } = await enqueueJob(services, { kind: 'test.steps', queue: 'sub-procs', payload: { steps: 5, ms: 50 } }, by);

    const { feed } = ws<{ job: JobView }>(JOB, { id: job.runId }, client(apiProcess.url));
    expect((await feed.nextData(30_000)).job).toMatchObject({ databaseId: job.id, status: 'queued' });

    const workerProcess: WorkerProcess = spawnWorkerProcess(db(), { PRESSROOM_WORKER_QUEUES: 'sub-procs' });
    processes.push(workerProcess);
    const running = await feed.until(({ job: j }) => j.status === 'running' && (j.progress?.percent ?? 0) > 0, 30_000);
    expect(running.job.progress!.stage).toMatch(/^step-\d$/);
    await feed.until(({ job: j }) => j.status === 'completed', 30_000);
  });
});
