// An operation's loaders, made on first use. A subscription's context lives as long as the
// subscription, and most never load anything beyond their own reads: thousands of idle
// subscriptions need not hold five DataLoaders and their caches each.
import type { Db } from '../db/client.ts';
import { createLoaders, type Loaders } from './loaders.ts';

class LazyLoaders implements Loaders {
  private made: Loaders | undefined;

  constructor(private readonly db: Db) {}

  private get loaders(): Loaders {
    return (this.made ??= createLoaders(this.db));
  }

  get job() {
    return this.loaders.job;
  }

  get queue() {
    return this.loaders.queue;
  }

  get queueStats() {
    return this.loaders.queueStats;
  }

  get itemsPage() {
    return this.loaders.itemsPage;
  }

  get historyPage() {
    return this.loaders.historyPage;
  }
}

export function lazyLoaders(db: Db): Loaders {
  return new LazyLoaders(db);
}
