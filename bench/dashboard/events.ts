// What keeps the dashboards busy during the statement count: job events on Redis, as worker
// processes publish them (the bus's message format: a JSON array of events per channel), 50 a
// second. They come from no database work of their own, so every statement counted is the API's.
import { Redis } from 'ioredis';

export interface EventFeed {
  stop(): Promise<void>;
}

export function publishJobEvents(redisUrl: string, prefix: string, perSecond: number): EventFeed {
  const redis = new Redis(redisUrl);
  let n = 0;
  const timer = setInterval(() => {
    n++;
    const summary = {
      id: n,
      runId: `bench-event-${n}`,
      kind: 'printer.event',
      queue: 'events',
      status: n % 2 ? 'running' : 'completed',
      attempts: 1,
      maxAttempts: 3,
      progress: null,
      itemsTotal: 0,
      itemsProcessed: 0,
      itemsFailed: 0,
      workerId: 'bench',
      updatedAt: new Date().toISOString(),
    };
    void redis.publish(`${prefix}:job:updated`, JSON.stringify([summary])).catch(() => {});
  }, 1000 / perSecond);
  return {
    async stop() {
      clearInterval(timer);
      await redis.quit();
    },
  };
}
