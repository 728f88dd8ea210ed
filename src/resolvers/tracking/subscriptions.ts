// Live production tracking: a production job's status as it changes, and the markers with their
// lag as records arrive and are processed (coalesced, at most every MARKERS_INTERVAL_MS; one
// shared read per API process serves every subscriber of the markers, src/api/sharedFeed.ts).
import { sharedFeed } from '../../api/sharedFeed.ts';
import type { ServiceContext } from '../../services/context.ts';
import { getProductionJobs, listMarkers } from '../../services/tracking/index.ts';
import type { ProductionJob, TrackingMarker } from '../../services/tracking/types.ts';
import { builder } from '../../schema/builder.ts';
import { ProductionJobRef, TrackingMarkerRef } from '../../schema/tracking/types.ts';
import { live, liveFeed } from '../engine/liveSubscription.ts';
import { trackingLoaders } from './loaders.ts';

export const MARKERS_INTERVAL_MS = 250;

const markersFeed = (services: ServiceContext) =>
  sharedFeed<TrackingMarker[]>(services, {
    name: 'trackingProgress',
    read: () => listMarkers(services.db),
    changes: { 'tracking:processed': true, 'tracking:recorded': true },
    refreshMs: MARKERS_INTERVAL_MS,
  });

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
    subscribe: (_root, _args, context) => liveFeed(context, markersFeed(context.services)),
    resolve: (markers) => markers,
  }),
}));
