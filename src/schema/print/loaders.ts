// Per-operation batching for print types: a page of scans asks for their counts in one query.
// Keyed on the operation's engine loaders, which a subscription renews for each message.
import DataLoader from 'dataloader';
import type { ApiContext } from '../../api/context.ts';
import { batchRowCounts, scanCounts, type StatusCounts } from '../../services/print/reads.ts';

interface PrintLoaders {
  scanCounts: DataLoader<number, { slices: StatusCounts; batches: StatusCounts; rows: StatusCounts }>;
  batchRowCounts: DataLoader<number, StatusCounts>;
}

const byOperation = new WeakMap<object, PrintLoaders>();

export function printLoaders(context: ApiContext): PrintLoaders {
  let loaders = byOperation.get(context.loaders);
  if (!loaders) {
    const { db } = context.services;
    loaders = {
      scanCounts: new DataLoader(async (ids) => {
        const counts = await scanCounts(db, ids);
        return ids.map((id) => counts.get(id)!);
      }),
      batchRowCounts: new DataLoader(async (ids) => {
        const counts = await batchRowCounts(db, ids);
        return ids.map((id) => counts.get(id) ?? {});
      }),
    };
    byOperation.set(context.loaders, loaders);
  }
  return loaders;
}
