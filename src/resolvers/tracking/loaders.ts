// Per-request batching of production jobs' and impositions' operations: a page of 50 production
// jobs reads their operations in one query, not 50.
import DataLoader from 'dataloader';
import type { ApiContext } from '../../api/context.ts';
import { operationsOf } from '../../services/tracking/readJobs.ts';
import type { OperationState } from '../../services/tracking/types.ts';

interface TrackingLoaders {
  jobOperations: DataLoader<string, OperationState[]>;
  impositionOperations: DataLoader<string, OperationState[]>;
}

const perRequest = new WeakMap<ApiContext, TrackingLoaders>();

export function trackingLoaders(context: ApiContext): TrackingLoaders {
  let loaders = perRequest.get(context);
  if (!loaders) {
    const byLevel = (level: 'job' | 'imposition') =>
      new DataLoader<string, OperationState[]>(async (keys) => {
        const found = await operationsOf(context.services.db, level, [...keys]);
        return keys.map((key) => found.get(key) ?? []);
      });
    loaders = { jobOperations: byLevel('job'), impositionOperations: byLevel('imposition') };
    perRequest.set(context, loaders);
  }
  return loaders;
}
