import { setImmediate as nextTurn } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { createBatcher } from '../src/services/batcher.ts';

/** What a caller does between its items (enqueueJob validates and checks the kind): a few awaits. */
async function prepare() {
  for (let hop = 0; hop < 3; hop++) await Promise.resolve();
}

/** `callers` clients, each adding `each` items one after another (the next once the last landed). */
async function clientsInALoop(options: { rejoin: boolean }, callers = 8, each = 5) {
  const flushes: number[][] = [];
  const batcher = createBatcher<number, number>(
    async (items) => {
      flushes.push(items);
      await nextTurn(); // the round trip
      return items.map((item) => item * 10);
    },
    { maxInFlight: 2, ...options },
  );
  const results = await Promise.all(
    Array.from({ length: callers }, async (_, caller) => {
      const got: number[] = [];
      for (let i = 0; i < each; i++) {
        await prepare();
        got.push(await batcher.add(caller * 100 + i));
      }
      return got;
    }),
  );
  return { flushes, results };
}

describe('batcher', () => {
  it('with rejoin, callers that add again once their item landed share the next flush instead of leaving it nearly empty', async () => {
    const { flushes, results } = await clientsInALoop({ rejoin: true });
    results.forEach((got, caller) => expect(got).toEqual([0, 1, 2, 3, 4].map((i) => (caller * 100 + i) * 10)));
    expect(flushes.flat().sort((a, b) => a - b)).toEqual(results.flat().map((r) => r / 10).sort((a, b) => a - b));
    // 40 items from 8 callers: 7 flushes (1, 1, then all 8 callers at a time); without rejoin 15.
    expect(flushes.length).toBeLessThanOrEqual(10);
  });

  it('without rejoin, a flush starts as soon as one lands (the default, for items nobody waits on to add more)', async () => {
    const { flushes } = await clientsInALoop({ rejoin: false });
    expect(flushes.flat()).toHaveLength(40);
    expect(flushes.length).toBeGreaterThan(10);
  });

  it('drain waits for items queued while the next flush waits for its callers', async () => {
    const flushed: number[] = [];
    const batcher = createBatcher<number>(
      async (items) => {
        await nextTurn();
        flushed.push(...items);
      },
      { rejoin: true },
    );
    const first = batcher.add(1);
    void first.then(() => batcher.add(2));
    await first;
    await batcher.drain();
    expect(flushed).toEqual([1, 2]);
  });
});
