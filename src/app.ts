// Puts a Pressroom process together from its configuration: database (migrated), event bus,
// services; and a worker on top when the process runs one.
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Config } from './config.ts';
import { openDatabase, type Database } from './db/client.ts';
import { migrateDatabase } from './db/migrate.ts';
import { builtInHandlers, loadHandlerModules } from './handlers/index.ts';
import type { ServiceContext } from './services/context.ts';
import { createInProcessBus, createRedisBus, type EventBus } from './services/events.ts';
import { createJobNotifier } from './services/engine/notifier.ts';
import { followRuntimeSettings } from './services/engine/runtimeSettings.ts';
import { DEFAULT_RUNTIME_SETTINGS, engineSettingsFrom, type RuntimeSettings } from './services/engine/settings.ts';
import { KindRegistry } from './services/engine/kinds/registry.ts';
import { createRegistry, type JobHandler } from './worker/handler.ts';
import { SupervisorRunner } from './worker/supervisor.ts';
import { Worker } from './worker/worker.ts';
import { ensurePrintSchedules } from './services/print/printSchedules.ts';

export interface Pressroom {
  config: Config;
  /** The job kinds defined in code (built in and PRESSROOM_HANDLERS): known to enqueue, run by this process's worker. */
  handlers: JobHandler<any>[];
  database: Database;
  services: ServiceContext;
  close(): Promise<void>;
}

export async function openPressroom(config: Config, log: Logger): Promise<Pressroom> {
  const database = await openDatabase({ url: config.DATABASE_URL, dataDir: config.PRESSROOM_DATA_DIR, poolSize: config.PRESSROOM_DB_POOL_SIZE, connectTimeoutMs: config.PRESSROOM_DB_CONNECT_TIMEOUT_MS });
  try {
    await migrateDatabase(database, config.DATABASE_URL);
    const bus = config.REDIS_URL ? await connectRedisBus(config.REDIS_URL, config.PRESSROOM_REDIS_PREFIX, log) : createInProcessBus();
    const notifier = createJobNotifier(database.db);
    // The env values are the defaults; stored runtime settings override them, and changes made
    // anywhere reach services.settings through the bus.
    const defaults: RuntimeSettings = {
      ...DEFAULT_RUNTIME_SETTINGS,
      defaultMaxAttempts: config.PRESSROOM_MAX_ATTEMPTS,
      jobLeaseMs: config.PRESSROOM_LEASE_MS,
      supervisorIntervalMs: config.PRESSROOM_SUPERVISOR_INTERVAL_MS,
      supervisorLeaseMs: config.PRESSROOM_SUPERVISOR_LEASE_MS,
    };
    const handlers = [...builtInHandlers, ...(await loadHandlerModules(config.PRESSROOM_HANDLERS))];
    const services: ServiceContext = { db: database.db, bus, log, notifier, settings: engineSettingsFrom(defaults), kinds: new KindRegistry(handlers) };
    let unfollow: () => void;
    try {
      unfollow = await followRuntimeSettings(services, defaults);
    } catch (error) {
      await bus.close();
      throw error;
    }
    log.info({ database: database.mode === 'embedded' ? config.PRESSROOM_DATA_DIR : redact(config.DATABASE_URL!), bus: config.REDIS_URL ? 'redis' : 'in-process' }, 'pressroom opened');
    return {
      config,
      handlers,
      database,
      services,
      async close() {
        await notifier.drain().catch(() => {});
        unfollow();
        await bus.close();
        await database.close();
      },
    };
  } catch (error) {
    await database.close();
    throw error;
  }
}

export async function connectRedisBus(url: string, prefix: string, log: Logger): Promise<EventBus> {
  const connect = async () => {
    const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 3 });
    client.on('error', (error) => log.warn({ err: error }, 'redis connection error'));
    try {
      await client.connect();
    } catch (error) {
      client.disconnect();
      throw new Error(`cannot connect to Redis at ${redact(url)}: ${(error as Error).message}`);
    }
    return client;
  };
  const publisher = await connect();
  try {
    return createRedisBus(publisher, await connect(), prefix, (error) => log.warn({ err: error }, 'could not publish an event to Redis'));
  } catch (error) {
    publisher.disconnect();
    throw error;
  }
}

export async function startWorker(pressroom: Pressroom): Promise<Worker> {
  const { config } = pressroom;
  const handlers = createRegistry(pressroom.handlers);
  const worker = new Worker({
    services: pressroom.services,
    database: pressroom.database,
    handlers,
    queues: config.PRESSROOM_WORKER_QUEUES,
    concurrency: config.PRESSROOM_WORKER_CONCURRENCY,
    prefetch: { windowMs: config.PRESSROOM_WORKER_PREFETCH_MS, max: config.PRESSROOM_WORKER_PREFETCH_MAX },
    // The runtime setting jobLeaseMs (PRESSROOM_LEASE_MS when none is stored), as the worker starts.
    leaseMs: pressroom.services.settings.leaseMs,
    pollIntervalMs: config.PRESSROOM_POLL_INTERVAL_MS,
    shutdownGraceMs: config.PRESSROOM_SHUTDOWN_GRACE_MS,
  });
  await worker.start();
  // The print pipeline's recurring jobs (maintenance, the production lane's scan) exist once a worker runs.
  await ensurePrintSchedules(pressroom.services);
  return worker;
}

/** Starts this process's supervisor runner: it ticks while it holds the heartbeat governor. */
export function startSupervisor(pressroom: Pressroom): SupervisorRunner {
  const runner = new SupervisorRunner({ services: pressroom.services, sweepDeadWorkers: pressroom.database.mode === 'server' });
  runner.start();
  return runner;
}

/** A URL without its password, for logs and messages. */
function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'the configured URL';
  }
}
