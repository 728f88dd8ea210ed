// The dashboard's print and tracking pages cost the database the same with one tab open or many:
// printLanes, printGovernor and trackingProgress are each read once per change per API process
// and the read is pushed to every subscriber (src/api/sharedFeed.ts). Reads are counted by the
// process's pressroom_shared_feed_reads_total (each read is a fixed set of statements), around one
// change, with 1 and then 8 subscribers. The jobs subscriptions each have their filter: they share
// the read of each changed job, and each still shows only what its filter matches.
import { afterAll, describe, expect, it } from 'vitest';
import { claimJobs, completeRuns, enqueueJob, type Job } from '../src/services/index.ts';
import { sharedFeedReads } from '../src/metrics/index.ts';
import { pausePrintLane } from '../src/services/print/lanes.ts';
import { PRINT_QUEUE } from '../src/services/print/model.ts';
import { PRINT_CYCLE_KIND, requestPrintCycle } from '../src/services/print/requestPrintCycle.ts';
import { recordPrintOsEvents } from '../src/services/tracking/index.ts';
import { useTestDatabase } from './support/db.ts';
import { useLocalApi } from './support/localApi.ts';
import { subscribeWs, wsClient } from './support/subscriptions.ts';
import { printEvent } from './support/tracking.ts';

const db = useTestDatabase();
const { server } = useLocalApi(db);
const by = { actor: 'test', reason: 'shared feed test' };
const clients: ReturnType<typeof wsClient>[] = [];
afterAll(async () => {
  for (const client of clients) await client.dispose();
});

async function readsOf(feed: string): Promise<number> {
  return (await sharedFeedReads.get()).values.find((value) => value.labels.feed === feed)?.value ?? 0;
}

/**
 * Opens `subscribers` subscriptions of `document`, waits for each one's first message, makes the
 * change, waits until every subscriber shows it, and returns how often the feed was read meanwhile.
 */
async function readsForOneChange(options: {
  subscribers: number;
  feed: string;
  document: string;
  change: () => Promise<unknown>;
  shows: (data: any) => boolean;
}): Promise<number> {
  const subscriptions = Array.from({ length: options.subscribers }, () => {
    const client = wsClient(server().url);
    clients.push(client);
    return subscribeWs(client, options.document);
  });
  try {
    await Promise.all(subscriptions.map((s) => s.feed.nextData()));
    const before = await readsOf(options.feed);
    await options.change();
    await Promise.all(subscriptions.map((s) => s.feed.until(options.shows)));
    return (await readsOf(options.feed)) - before;
  } finally {
    for (const s of subscriptions) s.stop();
  }
}

/**
 * A change reaches subscribers as one burst of events: one read, or two when its events straddle a
 * read that had already begun. Read per subscriber, 8 subscribers would have cost 8 or more.
 */
function expectFlat(reads: number[]) {
  for (const n of reads) {
    expect(n).toBeGreaterThanOrEqual(1);
    expect(n).toBeLessThanOrEqual(2);
  }
}

describe('shared live feeds', () => {
  it('reads the print lanes once per change, however many subscribe', async () => {
    const document = `subscription { printLanes { lane paused counts { queued exported } } }`;
    const paused = (lane: string) => (data: any) => data.printLanes.find((l: { lane: string }) => l.lane === lane).paused === true;
    const reads = [
      await readsForOneChange({ subscribers: 1, feed: 'printLanes', document, change: () => pausePrintLane(db().services, 'production', by), shows: paused('production') }),
      await readsForOneChange({ subscribers: 8, feed: 'printLanes', document, change: () => pausePrintLane(db().services, 'historical', by), shows: paused('historical') }),
    ];
    expectFlat(reads);
  });

  it('reads the print governor once per change, however many subscribe', async () => {
    const ctx = db().services;
    const document = `subscription { printGovernor { isPrinting holder pendingPrintCycle currentCycle { status } } }`;
    const { job } = await requestPrintCycle(ctx, by);
    expect(job).not.toBeNull();
    let cycle: Job | undefined;
    const claim = async () => {
      [cycle] = (await claimJobs(ctx, { workerId: 'w-feed', queues: [PRINT_QUEUE], kinds: [PRINT_CYCLE_KIND], limit: 1, leaseMs: 60_000 })).jobs;
      expect(cycle?.id).toBe(job!.id);
    };
    const complete = () => completeRuns(ctx, 'w-feed', [{ jobId: cycle!.id, leaseToken: cycle!.leaseToken!, result: null, metrics: {} }]);
    const reads = [
      await readsForOneChange({ subscribers: 1, feed: 'printGovernor', document, change: claim, shows: (data) => data.printGovernor.isPrinting === true }),
      await readsForOneChange({ subscribers: 8, feed: 'printGovernor', document, change: complete, shows: (data) => data.printGovernor.isPrinting === false }),
    ];
    expectFlat(reads);
  });

  it('reads the tracking progress once per change, however many subscribe', async () => {
    const document = `subscription { trackingProgress { source waiting lagSeconds } }`;
    const waiting = (n: number) => (data: any) => data.trackingProgress.find((m: { source: string }) => m.source === 'PRINT_OS').waiting === n;
    const record = () => recordPrintOsEvents(db().services, [printEvent('feed-imposition', 'PRINTED', '2026-11-30T12:00:00Z')], by);
    const reads = [
      await readsForOneChange({ subscribers: 1, feed: 'trackingProgress', document, change: record, shows: waiting(1) }),
      await readsForOneChange({ subscribers: 8, feed: 'trackingProgress', document, change: record, shows: waiting(2) }),
    ];
    expectFlat(reads);
  });

  it('reads each changed job once for every jobs subscription, and filters it per subscription', async () => {
    const ctx = db().services;
    const kind = `feed.jobs${Date.now().toString(36)}`;
    const queue = `feed-jobs-${Date.now().toString(36)}`;
    const document = `subscription($filter: JobFilter) { jobs(filter: $filter) { snapshot jobs { databaseId payload } removed { databaseId } } }`;
    const filters = [
      ...Array.from({ length: 4 }, () => ({ kind })),
      ...Array.from({ length: 2 }, () => ({ queue })),
      // Matches the events (kind) but not the first job's payload: woken, reads, shows nothing.
      ...Array.from({ length: 2 }, () => ({ kind, payloadText: 'needle' })),
    ];
    const subscriptions = filters.map((filter) => {
      const client = wsClient(server().url);
      clients.push(client);
      return subscribeWs(client, document, { filter });
    });
    try {
      for (const first of await Promise.all(subscriptions.map((s) => s.feed.nextData()))) expect(first.jobs).toMatchObject({ snapshot: true, jobs: [] });
      const before = await readsOf('jobs');
      const { job: plain } = await enqueueJob(ctx, { kind, queue, payload: { note: 'plain' }, allowUnknownKind: true }, by);
      const shows = (id: number) => (data: any) => data.jobs.jobs.some((job: { databaseId: number }) => job.databaseId === id);
      await Promise.all(subscriptions.slice(0, 6).map((s) => s.feed.until(shows(plain.id))));
      const reads = (await readsOf('jobs')) - before;
      // Read per subscription, 8 subscriptions would have cost 8 statements.
      expect(reads).toBeGreaterThanOrEqual(1);
      expect(reads).toBeLessThanOrEqual(2);

      const { job: needle } = await enqueueJob(ctx, { kind, queue, payload: { note: 'needle' }, allowUnknownKind: true }, by);
      for (const s of subscriptions.slice(6)) {
        // The first message after the snapshot: the shared read of the plain job did not reach it.
        const update = await s.feed.nextData();
        expect(update.jobs.jobs.map((job: { databaseId: number }) => job.databaseId)).toEqual([needle.id]);
      }
    } finally {
      for (const s of subscriptions) s.stop();
    }
  });
});
