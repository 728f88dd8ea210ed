// Bus listeners of subscriptions: removed when a subscription ends, shared by the followers of a
// job, and one Redis SUBSCRIBE per channel however many listen.
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { sharedFeed } from '../../src/api/sharedFeed.ts';
import { jobFollowers, type Waker } from '../../src/resolvers/engine/jobFollowers.ts';
import { cancelJob, createRedisBus, enqueueJob, tryAcquireGovernor } from '../../src/services/index.ts';
import { useTestDatabase } from '../support/db.ts';
import { by, JOB, QUEUE_STATS, useSubscriptionApi } from '../support/subscriptionApi.ts';
import { countingBus } from '../support/subscriptions.ts';
import { waitFor } from '../support/wait.ts';

const db = useTestDatabase();
const { subscriptionListeners, client, ws, sse } = useSubscriptionApi(db);

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

describe('shared feeds', () => {
  it('listen once for all their subscribers, even those that arrive together, and stop with the last', async () => {
    await waitFor(() => subscriptionListeners() === 0, { what: 'no listeners left by earlier tests' });
    const c = client();
    const lanes = Array.from({ length: 6 }, () => ws(/* GraphQL */ `subscription { printLanes { lane } }`, {}, c));
    await Promise.all(lanes.map((s) => s.feed.next()));
    // printLane:updated, once for all six.
    expect(subscriptionListeners()).toBe(1);
    for (const s of lanes) s.stop();
    await waitFor(() => subscriptionListeners() === 0, { what: 'the feed to stop listening' });
    expect(lanes.map((s) => s.feed.error)).toEqual(lanes.map(() => null));

    // Subscribers in the same tick, before the first has started the feed: still one listener.
    const counted = countingBus(db().services.bus);
    const feed = sharedFeed({ ...db().services, bus: counted }, { name: 'test', read: async () => 1, changes: { 'printLane:updated': true }, refreshMs: 100 });
    const stops = await Promise.all([feed.subscribe(() => {}), feed.subscribe(() => {})]);
    expect(counted.listeners()).toBe(1);
    for (const stop of stops) stop();
    expect(counted.listeners()).toBe(0);
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
