// Live print views: the print governor with its current cycle's progress, lane counts, a scan's
// progress. Each yields the state now, then the state again after changes, at most every
// PRINT_LIVE_INTERVAL_MS (a cycle changes lane counts with every chunk). The governor and the lanes
// are the same for every viewer: one shared read per API process serves all their subscribers
// (src/api/sharedFeed.ts); a scan's progress is read per subscriber.
import { setTimeout as sleep } from 'node:timers/promises';
import type { ApiContext } from '../../api/context.ts';
import { sharedFeed } from '../../api/sharedFeed.ts';
import type { ServiceContext } from '../../services/context.ts';
import { listLaneStates, type LaneState } from '../../services/print/lanes.ts';
import { PRINT_GOVERNOR } from '../../services/print/model.ts';
import { getPrintGovernor, type PrintGovernorState } from '../../services/print/printGovernor.ts';
import { PRINT_CYCLE_KIND } from '../../services/print/requestPrintCycle.ts';
import { getScans } from '../../services/print/reads.ts';
import type { Scan } from '../../services/print/model.ts';
import { builder } from '../../schema/builder.ts';
import { numericId } from '../../schema/print/ids.ts';
import { LaneStateRef, PrintGovernorRef, ScanRef } from '../../schema/print/types.ts';
import { fresh, live, liveFeed } from '../engine/liveSubscription.ts';

export const PRINT_LIVE_INTERVAL_MS = 200;

/** Yields `read()` now, then again after each wake-up, no more often than the interval. */
function throttled<T>(context: ApiContext, setup: (listen: Parameters<Parameters<typeof live>[1]>[0]['listen']) => void, read: () => Promise<T | null>) {
  return live<T>(context, async function* (session) {
    setup(session.listen);
    await session.listening();
    const next = () => {
      fresh(context);
      return read();
    };
    const first = await next();
    if (first === null) return;
    yield first;
    let lastSent = Date.now();
    while (await session.wakeup.wait()) {
      const wait = lastSent + PRINT_LIVE_INTERVAL_MS - Date.now();
      if (wait > 0) {
        try {
          await sleep(wait, undefined, { signal: session.signal });
        } catch {
          return;
        }
      }
      const value = await next();
      if (value === null) return;
      yield value;
      lastSent = Date.now();
    }
  });
}

const printGovernorFeed = (services: ServiceContext) =>
  sharedFeed<PrintGovernorState>(services, {
    name: 'printGovernor',
    read: () => getPrintGovernor(services.db),
    changes: {
      'governor:updated': (event) => event.governor.name === PRINT_GOVERNOR,
      'job:progress': (event) => event.kind === PRINT_CYCLE_KIND,
      'job:updated': (event) => event.kind === PRINT_CYCLE_KIND,
    },
    refreshMs: PRINT_LIVE_INTERVAL_MS,
  });

const printLanesFeed = (services: ServiceContext) =>
  sharedFeed<LaneState[]>(services, {
    name: 'printLanes',
    read: () => listLaneStates(services.db),
    changes: { 'printLane:updated': true },
    refreshMs: PRINT_LIVE_INTERVAL_MS,
  });

builder.subscriptionFields((t) => ({
  printGovernor: t.field({
    type: PrintGovernorRef,
    description: 'The print governor (isPrinting, pending cycle) and its current cycle with its progress: now, then on every change.',
    authScopes: { viewer: true },
    subscribe: (_root, _args, context) => liveFeed(context, printGovernorFeed(context.services)),
    resolve: (governor) => governor,
  }),
  printLanes: t.field({
    type: [LaneStateRef],
    description: 'Both lanes with their counts: now, then after changes.',
    authScopes: { viewer: true },
    subscribe: (_root, _args, context) => liveFeed(context, printLanesFeed(context.services)),
    resolve: (lanes) => lanes,
  }),
  printScan: t.field({
    type: ScanRef,
    description: 'A scan with its counts: now, then as it progresses. Ends at once when there is no such scan.',
    authScopes: { viewer: true },
    args: { id: t.arg.id({ required: true }) },
    subscribe: (_root, args, context) => {
      const id = numericId(args.id, 'id');
      return throttled<Scan>(
        context,
        (listen) => listen('printScan:updated', (event) => event.scanIds.includes(id)),
        async () => (await getScans(context.services.db, [id]))[0] ?? null,
      );
    },
    resolve: (scan) => scan,
  }),
}));
