// The live views' subscriptions: queue stats (recounted at most every 200 ms), governors, and
// history entries as they are appended.
import { describe, expect, it } from 'vitest';
import { configureQueue, enqueueJob, pauseQueue, releaseGovernor, resumeQueue, tryAcquireGovernor } from '../../src/services/index.ts';
import { useTestDatabase } from '../support/db.ts';
import { by, QUEUE_STATS, useSubscriptionApi } from '../support/subscriptionApi.ts';

const db = useTestDatabase();
const { ws, sse } = useSubscriptionApi(db);

type QueueView = { name: string; paused: boolean; stats: { queued: number } };

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
