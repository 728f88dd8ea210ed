// Redis (the event bus) stops while dashboards follow jobs and queues: each subscription says so
// at once (an EVENTS_UNAVAILABLE error message, the stream open), queries and mutations go on,
// and when Redis is back every subscription sends a fresh snapshot with what changed meanwhile.
// A Redis of the test's own, so that it may be stopped; the database is the file's, in both modes.
import type { Client } from 'graphql-ws';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiServer, type ApiServer } from '../src/api/server.ts';
import { connectRedisBus } from '../src/app.ts';
import type { ServiceContext } from '../src/services/context.ts';
import { cancelJob, enqueueJob, type EventBus } from '../src/services/index.ts';
import { startRedisServer, type RedisServer } from '../chaos/redisServer.ts';
import { useTestDatabase } from './support/db.ts';
import { subscribeSse, subscribeWs, wsClient, type GraphQLMessage } from './support/subscriptions.ts';
import { waitFor } from './support/wait.ts';

const db = useTestDatabase();
let redis: RedisServer;
let bus: EventBus;
let services: ServiceContext;
let api: ApiServer;
let client: Client;

beforeAll(async () => {
  redis = await startRedisServer();
  bus = await connectRedisBus(redis.url, 'outage', pino({ level: 'silent' }));
  services = { ...db().services, bus };
  api = await startApiServer({ services, port: 0, host: '127.0.0.1', production: true });
  client = wsClient(api.url);
});

afterAll(async () => {
  await client?.dispose();
  await api?.close();
  await bus?.close();
  await redis?.stop();
});

const JOB = /* GraphQL */ `subscription ($id: ID!) { job(id: $id) { databaseId status } }`;
const QUEUE_STATS = /* GraphQL */ `subscription ($name: String) { queueStats(name: $name) { name stats { queued running } } }`;

const codes = (message: GraphQLMessage) => (message.errors ?? []).map((e) => e.extensions?.code);

describe('a Redis outage', () => {
  it('tells every subscription the bus is down, and sends each a fresh snapshot once it is back', async () => {
    const by = { actor: 'test' };
    const { job } = await enqueueJob(services, { kind: 'test.noop', queue: 'outage', delayMs: 3_600_000 }, by);
    const followJob = subscribeWs<{ job: { databaseId: number; status: string } }>(client, JOB, { id: String(job.id) });
    const stats = subscribeWs<{ queueStats: { name: string; stats: { queued: number; running: number } }[] }>(client, QUEUE_STATS, { name: 'outage' });
    const sse = subscribeSse<{ job: { databaseId: number; status: string } }>(api.url, JOB, { id: String(job.id) });
    expect((await followJob.feed.nextData()).job.status).toBe('queued');
    expect((await stats.feed.nextData()).queueStats).toEqual([{ name: 'outage', stats: { queued: 1, running: 0 } }]);
    expect((await sse.feed.nextData()).job.status).toBe('queued');

    await redis.stop();
    for (const feed of [followJob.feed, stats.feed, sse.feed]) {
      const message = await feed.next();
      // data: null, or { job: null } for the nullable job field.
      expect(Object.values(message.data ?? {}).filter((value) => value !== null)).toEqual([]);
      expect(codes(message)).toEqual(['EVENTS_UNAVAILABLE']);
    }

    const origin = api.url.replace(/\/graphql$/, '');
    const notReady = await fetch(`${origin}/ready`);
    expect([notReady.status, ((await notReady.json()) as { checks: unknown }).checks]).toEqual([503, { database: 'ok', migrations: 'ok', eventBus: 'down' }]);

    // Mutations go on while the bus is down; nobody hears of this one.
    await cancelJob(services, job.id, by);
    const queries = await fetch(api.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ query: `{ job(id: "${job.id}") { status } }` }),
    });
    expect(await queries.json()).toEqual({ data: { job: { status: 'cancelled' } } });

    await redis.start();
    // Fresh snapshots with what changed meanwhile.
    expect((await followJob.feed.nextData(30_000)).job).toEqual({ databaseId: job.id, status: 'cancelled' });
    expect((await stats.feed.nextData(30_000)).queueStats).toEqual([{ name: 'outage', stats: { queued: 0, running: 0 } }]);
    expect((await sse.feed.nextData(30_000)).job.status).toBe('cancelled');
    expect((await fetch(`${origin}/ready`)).status).toBe(200);
    // And live again: a change after the outage is heard.
    const { job: next } = await enqueueJob(services, { kind: 'test.noop', queue: 'outage', delayMs: 3_600_000 }, by);
    await waitFor(async () => {
      const data = await stats.feed.nextData();
      return data.queueStats[0]?.stats.queued === 1;
    }, { what: 'the queue stats to count the job enqueued after the outage' });
    expect(next.status).toBe('queued');
    expect(followJob.feed.completed || Boolean(followJob.feed.error)).toBe(false);
  });
});
