// Live production tracking: a production job's status as it changes, and the markers with their
// lag as records arrive and are processed (coalesced, at most every MARKERS_INTERVAL_MS).
import { setTimeout as sleep } from 'node:timers/promises';
import { getProductionJobs, listMarkers } from '../../services/tracking/index.ts';
import type { ProductionJob, TrackingMarker } from '../../services/tracking/types.ts';
import { builder } from '../../schema/builder.ts';
import { ProductionJobRef, TrackingMarkerRef } from '../../schema/tracking/types.ts';
import { live } from '../engine/liveSubscription.ts';
import { trackingLoaders } from './loaders.ts';

export const MARKERS_INTERVAL_MS = 250;

builder.subscriptionFields((t) => ({
  productionJob: t.field({
    type: ProductionJobRef,
    nullable: true,
    description: 'A production job as it is now (null while it does not exist), then again each time its operations change.',
    authScopes: { viewer: true },
    args: { jobId: t.arg.string({ required: true }) },
    subscribe: async (_root, { jobId }, context) =>
      live<ProductionJob | null>(context, async function* ({ wakeup, listen, listening }) {
        listen('productionJob:updated', ({ jobIds }) => jobIds.includes(jobId));
        await listening();
        const read = async () => {
          // Each message reads the operations afresh, not from the previous message's batch.
          trackingLoaders(context).jobOperations.clearAll();
          return (await getProductionJobs(context.services.db, [jobId]))[0] ?? null;
        };
        yield await read();
        while (await wakeup.wait()) yield await read();
      }),
    resolve: (job) => job,
  }),
  trackingProgress: t.field({
    type: [TrackingMarkerRef],
    description: `The markers now, then again as records arrive and are processed (at most every ${MARKERS_INTERVAL_MS} ms): what waits, the lag, the rejects.`,
    authScopes: { viewer: true },
    subscribe: async (_root, _args, context) =>
      live<TrackingMarker[]>(context, async function* ({ wakeup, listen, listening, signal }) {
        listen('tracking:processed', () => true);
        listen('tracking:recorded', () => true);
        await listening();
        yield await listMarkers(context.services.db);
        while (await wakeup.wait()) {
          try {
            await sleep(MARKERS_INTERVAL_MS, undefined, { signal });
          } catch {
            return;
          }
          yield await listMarkers(context.services.db);
        }
      }),
    resolve: (markers) => markers,
  }),
}));
