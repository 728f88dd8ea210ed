// What keeps the dashboards busy during the statement count: events on Redis as worker processes
// publish them (the bus's message format: a JSON array of events per channel), 50 a second of
// each: a job update (every other one of a print cycle, for the print governor), a print lane
// update and a tracking record. They come from no database work of their own, so every statement
// counted is the API's.
import { Redis } from 'ioredis';

export interface EventFeed {
  stop(): Promise<void>;
}

export function publishEvents(redisUrl: string, prefix: string, perSecond: number): EventFeed {
  const redis = new Redis(redisUrl);
  let n = 0;
  const timer = setInterval(() => {
    n++;
    const summary = {
      id: n,
      runId: `bench-event-${n}`,
      kind: n % 2 ? 'printer.event' : 'print.cycle',
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
    const publish = (type: string, payload: unknown) => void redis.publish(`${prefix}:${type}`, JSON.stringify([payload])).catch(() => {});
    publish('job:updated', summary);
    publish('printLane:updated', { lanes: ['production'] });
    publish('tracking:recorded', { source: 'print_os', recorded: 1 });
  }, 1000 / perSecond);
  return {
    async stop() {
      clearInterval(timer);
      await redis.quit();
    },
  };
}
