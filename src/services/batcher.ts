// Coalesces calls that arrive while a flush is in flight into the next flush: one round trip
// per burst instead of one per call, with no timer adding latency to the first call.
export interface Batcher<T> {
  /** Resolves once the item has been flushed; rejects if its flush failed. */
  add(item: T): Promise<void>;
  /** Resolves when nothing is queued or in flight. */
  drain(): Promise<void>;
}

export function createBatcher<T>(flush: (items: T[]) => Promise<void>, maxBatch = 1_000): Batcher<T> {
  let queued: { item: T; resolve: () => void; reject: (e: unknown) => void }[] = [];
  let running: Promise<void> | null = null;

  const run = async () => {
    while (queued.length > 0) {
      const batch = queued.slice(0, maxBatch);
      queued = queued.slice(batch.length);
      try {
        await flush(batch.map((b) => b.item));
        for (const b of batch) b.resolve();
      } catch (error) {
        for (const b of batch) b.reject(error);
      }
    }
    running = null;
  };

  return {
    add(item) {
      const done = new Promise<void>((resolve, reject) => queued.push({ item, resolve, reject }));
      running ??= run();
      return done;
    },
    async drain() {
      while (running) await running;
    },
  };
}
