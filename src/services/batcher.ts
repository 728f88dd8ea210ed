// Coalesces calls that arrive while a flush is in flight into the next flush: one round trip
// per burst instead of one per call, with no timer adding latency to the first call.
export interface Batcher<T, R = void> {
  /** Resolves with the item's result once its batch has been flushed; rejects if that flush failed. */
  add(item: T): Promise<R>;
  /** Resolves when nothing is queued or in flight. */
  drain(): Promise<void>;
}

export interface BatcherOptions {
  maxBatch?: number;
  /**
   * Flushes running at once. 1 (the default) keeps batches in order; more lets a burst from many
   * callers use more than one connection, each flush still taking all that is queued.
   */
  maxInFlight?: number;
  /**
   * After a flush lands, wait one turn of the event loop before the next: callers that add again
   * as soon as their item lands (clients enqueueing one job after another) join it instead of
   * leaving the one that starts at once nearly empty.
   */
  rejoin?: boolean;
}

/** `flush` returns one result per item, in order (or nothing, when R is void). */
export function createBatcher<T, R = void>(
  flush: (items: T[]) => Promise<R[] | void>,
  { maxBatch = 1_000, maxInFlight = 1, rejoin = false }: BatcherOptions = {},
): Batcher<T, R> {
  let queued: { item: T; resolve: (result: R) => void; reject: (e: unknown) => void }[] = [];
  const inFlight = new Set<Promise<void>>();
  /** Set while a flush has landed and the next waits for its callers (rejoin). */
  let regrouping: Promise<void> | null = null;

  const flushBatch = async (batch: typeof queued) => {
    try {
      const results = await flush(batch.map((b) => b.item));
      batch.forEach((b, index) => b.resolve(results?.[index] as R));
    } catch (error) {
      for (const b of batch) b.reject(error);
    }
  };

  const pump = () => {
    while (queued.length > 0 && inFlight.size < maxInFlight) {
      const batch = queued.slice(0, maxBatch);
      queued = queued.slice(batch.length);
      const running: Promise<void> = flushBatch(batch).finally(() => {
        inFlight.delete(running);
        if (!rejoin) return pump();
        const turn: Promise<void> = new Promise((resolve) =>
          setImmediate(() => {
            if (regrouping === turn) regrouping = null;
            pump();
            resolve();
          }),
        );
        regrouping = turn;
      });
      inFlight.add(running);
    }
  };

  return {
    add(item) {
      const done = new Promise<R>((resolve, reject) => queued.push({ item, resolve, reject }));
      if (!regrouping) pump();
      return done;
    },
    async drain() {
      while (inFlight.size > 0 || regrouping) await Promise.all([...inFlight, regrouping]);
    },
  };
}
