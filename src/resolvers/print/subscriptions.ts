// Live print views: the print governor with its current cycle's progress, lane counts, a scan's
// progress. Each yields the state now, then the state again after changes, at most every
// PRINT_LIVE_INTERVAL_MS (a cycle changes lane counts with every chunk).
import { setTimeout as sleep } from 'node:timers/promises';
import type { ApiContext } from '../../api/context.ts';
import { createLoaders } from '../../api/loaders.ts';
import { listLaneStates, type LaneState } from '../../services/print/lanes.ts';
import { PRINT_GOVERNOR } from '../../services/print/model.ts';
import { getPrintGovernor, type PrintGovernorState } from '../../services/print/printGovernor.ts';
import { getScans } from '../../services/print/reads.ts';
import type { Scan } from '../../services/print/model.ts';
import { builder } from '../../schema/builder.ts';
import { numericId } from '../../schema/print/ids.ts';
import { LaneStateRef, PrintGovernorRef, ScanRef } from '../../schema/print/types.ts';
import { live } from '../engine/liveSubscription.ts';

export const PRINT_LIVE_INTERVAL_MS = 200;

/** Yields `read()` now, then again after each wake-up, no more often than the interval. */
function throttled<T>(context: ApiContext, setup: (listen: Parameters<Parameters<typeof live>[1]>[0]['listen']) => void, read: () => Promise<T | null>) {
  return live<T>(context, async function* (session) {
    setup(session.listen);
    await session.listening();
    const fresh = async () => {
      // A subscription is one long operation: each message reads afresh.
      context.loaders = createLoaders(context.services.db);
      return read();
    };
    const first = await fresh();
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
      const next = await fresh();
      if (next === null) return;
      yield next;
      lastSent = Date.now();
    }
  });
}

builder.subscriptionFields((t) => ({
  printGovernor: t.field({
    type: PrintGovernorRef,
    description: 'The print governor (isPrinting, pending cycle) and its current cycle with its progress: now, then on every change.',
    authScopes: { viewer: true },
    subscribe: (_root, _args, context) =>
      throttled<PrintGovernorState>(
        context,
        (listen) => {
          listen('governor:updated', (event) => event.governor.name === PRINT_GOVERNOR);
          listen('job:progress', (event) => event.kind === 'print.cycle');
          listen('job:updated', (event) => event.kind === 'print.cycle');
        },
        () => getPrintGovernor(context.services.db),
      ),
    resolve: (governor) => governor,
  }),
  printLanes: t.field({
    type: [LaneStateRef],
    description: 'Both lanes with their counts: now, then after changes.',
    authScopes: { viewer: true },
    subscribe: (_root, _args, context) =>
      throttled<LaneState[]>(context, (listen) => listen('printLane:updated', () => true), () => listLaneStates(context.services.db)),
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
