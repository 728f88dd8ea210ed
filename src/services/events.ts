// The one typed event map, and the bus that carries it: in-process, or Redis pub/sub across
// processes. Services publish after their transaction commits; any process may subscribe.
import type { Redis } from 'ioredis';
import type { Governor, HistoryEntry, Job, JobProgress, JobStatus, Queue, Worker } from './engine/types.ts';

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
  'supervisor:tick': { tick: import('./engine/supervisor/types.ts').SupervisorTick };
  'schedule:updated': { schedule: import('./engine/schedules.ts').Schedule; deleted?: boolean };
  'alert:raised': { alert: import('./engine/alerts.ts').Alert };
  'alert:updated': { alert: import('./engine/alerts.ts').Alert };
  /** Printer or scanner records stored (new ones only; a record sent again is not counted). */
  'tracking:recorded': { source: import('./tracking/types.ts').TrackingSource; recorded: number };
  /** A batch of records processed: the marker moved. */
  'tracking:processed': import('./tracking/types.ts').ProcessOutcome;
  /** Operations of these production jobs changed. */
  'productionJob:updated': { jobIds: string[] };
  'settings:updated': { settings: import('./engine/settings.ts').RuntimeSettings; stored: Partial<import('./engine/settings.ts').RuntimeSettings>; revision: number };
  /** Scans whose status or counts (of slices, batches or rows) changed. */
  'printScan:updated': { scanIds: number[] };
  /** Lanes whose row counts or pause state changed. */
  'printLane:updated': { lanes: import('./print/model.ts').Lane[] };
  'printDocument:submitted': { count: number };
}
export type EventName = keyof EventMap;

export interface EventBus {
  publish<K extends EventName>(type: K, payload: EventMap[K]): void;
  /** Returns a function that unsubscribes. */
  subscribe<K extends EventName>(type: K, listener: (payload: EventMap[K]) => void): () => void;
  /**
   * Resolves once events of `type` published anywhere reach this process's listeners. Through Redis
   * a SUBSCRIBE is not in force until Redis acknowledges it (subscribe does not wait for it): a
   * subscription that reads a snapshot waits for this first, so no change falls in between.
   */
  subscribed(type: EventName): Promise<void>;
  /** Whether events flow; absent on buses that cannot fail (in-process). */
  readonly status?: BusStatus;
  close(): Promise<void>;
}

/**
 * Whether the bus carries events now. While it is down (Redis unreachable) events published
 * anywhere are lost: whoever shows live state must read it afresh once it is back up.
 */
export interface BusStatus {
  readonly up: boolean;
  /** Calls `listener` on every change; returns a function that stops. */
  onChange(listener: (up: boolean) => void): () => void;
}

function createBusStatus(initiallyUp: boolean): BusStatus & { set(up: boolean): void } {
  const listeners = new Set<(up: boolean) => void>();
  let up = initiallyUp;
  return {
    get up() {
      return up;
    },
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    set(next) {
      if (next === up) return;
      up = next;
      for (const listener of [...listeners]) listener(up);
    },
  };
}

type Listener = (payload: never) => void;

/**
 * This process's listeners, by event. The bus subscribes to an event once for all of them and
 * hands each event (parsed once) to its listeners only.
 */
class Listeners {
  private readonly byType = new Map<EventName, Set<Listener>>();

  /** Adds a listener; returns a function that removes it. */
  add(type: EventName, listener: Listener): () => void {
    let set = this.byType.get(type);
    if (!set) this.byType.set(type, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0 && this.byType.get(type) === set) this.byType.delete(type);
    };
  }

  has(type: EventName): boolean {
    return this.byType.has(type);
  }

  types(): EventName[] {
    return [...this.byType.keys()];
  }

  /** Calls each listener; one that throws neither stops the others nor reaches the publisher (as with an EventTarget). */
  dispatch<K extends EventName>(type: K, payload: EventMap[K]) {
    for (const listener of this.byType.get(type) ?? []) {
      try {
        (listener as (payload: EventMap[K]) => void)(payload);
      } catch (error) {
        process.nextTick(() => {
          throw error;
        });
      }
    }
  }
}

export function createInProcessBus(): EventBus {
  const listeners = new Listeners();
  return {
    publish: (type, payload) => listeners.dispatch(type, payload),
    subscribe: (type, listener) => listeners.add(type, listener),
    subscribed: async () => {},
    close: async () => {},
  };
}

/**
 * Redis pub/sub: a publishing and a subscribing connection, both owned by the bus. Channels are
 * `<prefix>:<event>`; deployments sharing one Redis keep apart by prefix. The process subscribes
 * to an event's channel once, with its first listener, and stays subscribed (there are a dozen
 * events): thousands of live subscriptions cost one SUBSCRIBE, and their acknowledgement is shared.
 * A message is a JSON array of events: those of one type published in the same turn of the event
 * loop (a claim of hundreds of jobs, say) travel as one message instead of hundreds.
 */
export function createRedisBus(
  publishClient: Redis,
  subscribeClient: Redis,
  prefix = 'pressroom',
  onPublishError: (error: unknown) => void = () => {},
): EventBus {
  const listeners = new Listeners();
  const head = `${prefix}:`;
  const acks = new Map<EventName, Promise<void>>();
  const subscribed = (type: EventName) => {
    let ack = acks.get(type);
    if (!ack) {
      ack = subscribeClient.subscribe(head + type).then(() => {});
      // A SUBSCRIBE that failed is tried again by the next caller; this one sees the error.
      ack.catch(() => acks.delete(type));
      acks.set(type, ack);
    }
    return ack;
  };
  // Down when either connection drops; up again once both are back and every event this process
  // listens to is subscribed again (acknowledged), so that nothing published after `up` is missed.
  const status = createBusStatus(publishClient.status === 'ready' && subscribeClient.status === 'ready');
  let closing = false;
  /** A connection dropped since the last time both were up: subscriptions must be confirmed again. */
  let dropped = false;
  const onClose = () => {
    if (closing) return;
    dropped = true;
    status.set(false);
  };
  const onReady = () => {
    if (closing || publishClient.status !== 'ready' || subscribeClient.status !== 'ready') return;
    if (!dropped) return void status.set(true);
    dropped = false;
    acks.clear();
    Promise.all(listeners.types().map(subscribed)).then(
      () => !closing && publishClient.status === 'ready' && subscribeClient.status === 'ready' && status.set(true),
      () => {}, // the connection dropped again: its next 'ready' tries again
    );
  };
  for (const client of [publishClient, subscribeClient]) {
    client.on('close', onClose);
    client.on('ready', onReady);
  }
  subscribeClient.on('message', (channel: string, message: string) => {
    if (!channel.startsWith(head)) return;
    const type = channel.slice(head.length) as EventName;
    if (!listeners.has(type)) return;
    for (const payload of parseBatch(message)) listeners.dispatch(type, payload);
  });
  const outgoing = new Map<EventName, unknown[]>();
  /** The last publish sent: Redis answers a connection's commands in order, so once it is answered all are. */
  let lastPublish: Promise<void> = Promise.resolve();
  const sendOutgoing = () => {
    for (const [type, payloads] of outgoing) lastPublish = publishClient.publish(head + type, JSON.stringify(payloads)).then(() => {}, onPublishError);
    outgoing.clear();
  };
  return {
    publish(type, payload) {
      const batch = outgoing.get(type);
      if (batch) return void batch.push(payload);
      if (outgoing.size === 0) queueMicrotask(sendOutgoing);
      outgoing.set(type, [payload]);
    },
    subscribe(type, listener) {
      subscribed(type).catch(() => {}); // whoever needs the acknowledgement awaits subscribed()
      return listeners.add(type, listener);
    },
    subscribed,
    status,
    async close() {
      closing = true;
      sendOutgoing();
      // The publishes wait for the auto-pipeline's next write while QUIT goes out at once, and
      // Redis drops what arrives after it: wait for their answers, then quit.
      await lastPublish;
      await publishClient.quit().catch(() => publishClient.disconnect());
      subscribeClient.disconnect();
    },
  };
}

/** The events of a bus message; a message not written by a bus (anything may publish on Redis) is dropped. */
function parseBatch(message: string): never[] {
  try {
    const batch: unknown = JSON.parse(message);
    return Array.isArray(batch) ? (batch as never[]) : [];
  } catch {
    return [];
  }
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
