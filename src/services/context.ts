// What every service function receives, and the one way services write: a transaction whose
// events are published only after it commits.
import type { Logger } from 'pino';
import type { Db } from '../db/client.ts';
import type { EventBus, EventMap, EventName } from './events.ts';
import type { KindRegistry } from './engine/kinds/registry.ts';
import type { JobNotifier } from './engine/notifier.ts';
import type { EngineSettings } from './engine/settings.ts';

export interface ServiceContext {
  db: Db;
  bus: EventBus;
  log: Logger;
  notifier: JobNotifier;
  settings: EngineSettings;
  /** The job kinds defined in this process's code: enqueue refuses others unless a worker announced them. */
  kinds: KindRegistry;
}

export type Emit = <K extends EventName>(type: K, payload: EventMap[K]) => void;

/** Runs `work` in one transaction; the events it emits are published after the commit, and dropped on rollback. */
export async function inTransaction<T>(ctx: ServiceContext, work: (tx: Db, emit: Emit) => Promise<T>): Promise<T> {
  const events: { type: EventName; payload: unknown }[] = [];
  const emit: Emit = (type, payload) => events.push({ type, payload });
  const result = await ctx.db.transaction((tx) => work(tx as unknown as Db, emit));
  publishAll(ctx, events);
  return result;
}

/** For a single statement, which is its own transaction: its events are published after it. */
export async function withEvents<T>(ctx: ServiceContext, work: (emit: Emit) => Promise<T>): Promise<T> {
  const events: { type: EventName; payload: unknown }[] = [];
  const result = await work((type, payload) => events.push({ type, payload }));
  publishAll(ctx, events);
  return result;
}

function publishAll(ctx: ServiceContext, events: { type: EventName; payload: unknown }[]) {
  for (const { type, payload } of events) ctx.bus.publish(type, payload as never);
}

/**
 * A service context whose statements run in the transaction `tx`, whose events join the
 * transaction's (published after its commit) and which notifies workers only after the commit.
 */
export function transactionContext(ctx: ServiceContext, tx: Db, emit: Emit): ServiceContext {
  const bus: EventBus = {
    publish: (type, payload) => emit(type, payload),
    subscribe: () => () => {},
    subscribed: async () => {},
    close: async () => {},
  };
  return { ...ctx, db: tx, bus, notifier: { jobsReady: async () => {}, takeInlineNotify: () => false, drain: async () => {} } };
}
