// The one typed event map, and the bus that carries it: in-process, or Redis pub/sub across
// processes. Services publish after their transaction commits; any process may subscribe.
import { createRedisEventTarget } from '@graphql-yoga/redis-event-target';
import type { Redis } from 'ioredis';
import type { Governor, HistoryEntry, Job, JobProgress, JobStatus, Queue, Worker } from './types.ts';

/** What a job event carries: enough for a dashboard row, without payload or result. */
export interface JobSummary {
  id: number;
  runId: string;
  kind: string;
  queue: string;
  status: JobStatus;
  attempts: number;
  maxAttempts: number;
  progress: JobProgress | null;
  itemsTotal: number;
  itemsProcessed: number;
  itemsFailed: number;
  workerId: string | null;
  updatedAt: string;
}

export interface EventMap {
  'job:updated': JobSummary;
  'job:progress': JobSummary;
  'job:deleted': { id: number; runId: string; queue: string };
  'queue:updated': { queue: Queue };
  'governor:updated': { governor: Governor };
  'worker:updated': { worker: Worker };
  'history:appended': { entry: HistoryEntry };
  'supervisor:tick': { tick: import('./supervisor/types.ts').SupervisorTick };
  'schedule:updated': { schedule: import('./schedules.ts').Schedule; deleted?: boolean };
  'alert:raised': { alert: import('./alerts.ts').Alert };
  'alert:updated': { alert: import('./alerts.ts').Alert };
  'settings:updated': { settings: import('./settings.ts').RuntimeSettings; stored: Partial<import('./settings.ts').RuntimeSettings>; revision: number };
}
export type EventName = keyof EventMap;

export interface EventBus {
  publish<K extends EventName>(type: K, payload: EventMap[K]): void;
  /** Returns a function that unsubscribes. */
  subscribe<K extends EventName>(type: K, listener: (payload: EventMap[K]) => void): () => void;
  /**
   * Resolves once events of `type` published anywhere reach this process's listeners. Through Redis
   * a SUBSCRIBE is not in force until Redis acknowledges it (the event target does not wait): a
   * subscription that reads a snapshot waits for this first, so no change falls in between.
   */
  subscribed(type: EventName): Promise<void>;
  close(): Promise<void>;
}

function busOver(target: EventTarget, prefix: string, subscribed: (channel: string) => Promise<void>, close: () => Promise<void>): EventBus {
  const channel = (type: EventName) => `${prefix}:${type}`;
  return {
    subscribed: (type) => subscribed(channel(type)),
    publish(type, payload) {
      target.dispatchEvent(new CustomEvent(channel(type), { detail: payload }));
    },
    subscribe(type, listener) {
      const handle = (event: Event) => listener((event as CustomEvent).detail);
      target.addEventListener(channel(type), handle);
      return () => target.removeEventListener(channel(type), handle);
    },
    close,
  };
}

export function createInProcessBus(): EventBus {
  return busOver(new EventTarget(), 'pressroom', async () => {}, async () => {});
}

/**
 * Redis pub/sub: a publishing and a subscribing connection, both owned by the bus. Channels are
 * `<prefix>:<event>`; deployments sharing one Redis keep apart by prefix.
 */
export function createRedisBus(publishClient: Redis, subscribeClient: Redis, prefix = 'pressroom'): EventBus {
  const target = createRedisEventTarget({ publishClient, subscribeClient }) as unknown as EventTarget;
  // A SUBSCRIBE of our own, acknowledged after the event target's on the same connection.
  const subscribed = async (channel: string) => void (await subscribeClient.subscribe(channel));
  return busOver(target, prefix, subscribed, async () => {
    publishClient.disconnect();
    subscribeClient.disconnect();
  });
}

export function jobSummary(job: Job): JobSummary {
  return {
    id: job.id,
    runId: job.runId,
    kind: job.kind,
    queue: job.queue,
    status: job.status,
    attempts: job.attempts,
    maxAttempts: job.maxAttempts,
    progress: job.progress,
    itemsTotal: job.itemsTotal,
    itemsProcessed: job.itemsProcessed,
    itemsFailed: job.itemsFailed,
    workerId: job.workerId,
    updatedAt: job.updatedAt.toISOString(),
  };
}
