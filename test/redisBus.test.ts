// The Redis event bus as a process ends: what it published before close() reaches the other
// processes' subscribers. A worker's last completions, a stopping worker's hand-backs and a CLI
// command's one change are published just before the process closes its bus.
// A Redis of the test's own, in both modes (no database involved).
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectRedisBus } from '../src/app.ts';
import type { EventBus } from '../src/services/index.ts';
import { startRedisServer, type RedisServer } from '../chaos/redisServer.ts';
import { waitFor } from './support/wait.ts';

const silent = pino({ level: 'silent' });
let redis: RedisServer;
let listener: EventBus;

beforeAll(async () => {
  redis = await startRedisServer();
  listener = await connectRedisBus(redis.url, 'closing', silent);
});

afterAll(async () => {
  await listener?.close();
  await redis?.stop();
});

describe('closing the Redis bus', () => {
  it('sends what was published in the same turn first, of every event type', async () => {
    const deleted: number[] = [];
    const progress: number[] = [];
    listener.subscribe('job:deleted', ({ id }) => void deleted.push(id));
    listener.subscribe('job:progress', ({ id }) => void progress.push(id));
    await Promise.all([listener.subscribed('job:deleted'), listener.subscribed('job:progress')]);

    const warnings: string[] = [];
    const publisher = await connectRedisBus(redis.url, 'closing', pino({ level: 'warn' }, { write: (line: string) => void warnings.push(line) }));
    for (let id = 1; id <= 3; id++) {
      publisher.publish('job:deleted', { id, runId: `run-${id}`, queue: 'default' });
      publisher.publish('job:progress', { id } as never);
    }
    await publisher.close();

    await waitFor(() => deleted.length === 3 && progress.length === 3, { what: 'the events published just before close' });
    expect(deleted).toEqual([1, 2, 3]);
    expect(progress).toEqual([1, 2, 3]);
    expect(warnings).toEqual([]);
  });
});
