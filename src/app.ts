// Puts a Pressroom process together from its configuration: database (migrated), event bus,
// services; and a worker on top when the process runs one.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Config } from './config.ts';
import { openDatabase, type Database } from './db/client.ts';
import { migrateDatabase, pendingMigrations } from './db/migrate.ts';
import { builtInHandlers, loadHandlerModules } from './handlers/index.ts';
import type { ServiceContext } from './services/context.ts';
import { DependencyUnavailableError } from './services/errors.ts';
import { createInProcessBus, createRedisBus, type EventBus } from './services/events.ts';
import { followRuntimeSettings } from './services/engine/runtimeSettings.ts';
import { followTrackingSchedule } from './services/tracking/schedule.ts';
import { DEFAULT_RUNTIME_SETTINGS, engineSettingsFrom, type RuntimeSettings } from './services/engine/settings.ts';
import { KindRegistry } from './services/engine/kinds/registry.ts';
import { createRegistry, type JobHandler } from './worker/handler.ts';
import { SupervisorRunner } from './worker/supervisor.ts';
import { Worker } from './worker/worker.ts';
import { ensurePrintSchedules } from './services/print/printSchedules.ts';
import { createServiceContext } from './services/createServiceContext.ts';

export interface Pressroom {
  config: Config;
  /** The job kinds defined in code (built in and PRESSROOM_HANDLERS): known to enqueue, run by this process's worker. */
  handlers: JobHandler<any>[];
  database: Database;
  services: ServiceContext;
  close(): Promise<void>;
}

export async function openPressroom(config: Config, log: Logger): Promise<Pressroom> {
  // Every dependency answers before anything is written: Redis first (opening the embedded
  // database creates its folder), then the database.
  const bus = config.REDIS_URL ? await connectRedisBus(config.REDIS_URL, config.PRESSROOM_REDIS_PREFIX, log) : createInProcessBus();
  let database: Database;
  try {
    if (!config.DATABASE_URL && !existsSync(path.join(config.PRESSROOM_DATA_DIR, 'pgdata'))) {
      log.info({ folder: config.PRESSROOM_DATA_DIR }, 'first start: creating the embedded database (a few seconds)');
    }
    database = await openDatabase({ url: config.DATABASE_URL, dataDir: config.PRESSROOM_DATA_DIR, poolSize: config.PRESSROOM_DB_POOL_SIZE, connectTimeoutMs: config.PRESSROOM_DB_CONNECT_TIMEOUT_MS });
  } catch (error) {
    await bus.close();
    throw error;
  }
  try {
    await checkDatabaseReachable(database, config.DATABASE_URL);
    // Said at info when there is work to do (a new server database, an upgrade): it may take a while on big tables.
    const pending = await pendingMigrations(database.db);
    const started = performance.now();
    if (pending > 0) log.info({ pending }, `applying ${pending} database migration${pending === 1 ? '' : 's'}`);
    await migrateDatabase(database, config.DATABASE_URL);
    if (pending > 0) log.info({ durationMs: Math.round(performance.now() - started) }, 'database migrated');
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
    const services = createServiceContext(database.db, { bus, log, settings: engineSettingsFrom(defaults), kinds: new KindRegistry(handlers) });
    const unfollowSettings = await followRuntimeSettings(services, defaults);
    const unfollowTracking = await followTrackingSchedule(services).catch((error) => {
      unfollowSettings();
      throw error;
    });
    const unfollow = () => (unfollowSettings(), unfollowTracking());
    log.info({ database: database.mode === 'embedded' ? config.PRESSROOM_DATA_DIR : redact(config.DATABASE_URL!), bus: config.REDIS_URL ? 'redis' : 'in-process' }, 'pressroom opened');
    return {
      config,
      handlers,
      database,
      services,
      async close() {
        await services.notifier.drain().catch(() => {});
        unfollow();
        await bus.close();
        await database.close();
      },
    };
  } catch (error) {
    await bus.close();
    await database.close();
    throw error;
  }
}

async function checkDatabaseReachable(database: Database, url: string | undefined): Promise<void> {
  try {
    await database.db.execute(sql`select 1`);
  } catch (error) {
    throw new DependencyUnavailableError(`cannot reach PostgreSQL at ${url ? redact(url) : 'the embedded folder'}: ${reasonOf(error)}`);
  }
}

export async function connectRedisBus(url: string, prefix: string, log: Logger): Promise<EventBus> {
  const connect = async (options: { enableAutoPipelining?: boolean } = {}) => {
    // No retries while connecting: an unreachable Redis is said once, before anything is written.
    const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 3, retryStrategy: () => null, ...options });
    client.on('error', () => {});
    try {
      await client.connect();
    } catch (error) {
      client.disconnect();
      throw new DependencyUnavailableError(`cannot reach Redis at ${redact(url)}: ${reasonOf(error)}`);
    }
    // Connected: from now on it reconnects after a drop, and says so in one line.
    client.options.retryStrategy = (times) => Math.min(times * 200, 2_000);
    client.removeAllListeners('error');
    client.on('error', (error) => log.warn({ error: error.message }, 'redis connection error'));
    return client;
  };
  // The publisher sends the commands of one turn in one write: a job's claim or completion
  // publishes two event types, and with jobs arriving one at a time each write is a system call.
  const publisher = await connect({ enableAutoPipelining: true });
  try {
    return createRedisBus(publisher, await connect(), prefix, (error) => log.warn({ error: reasonOf(error) }, 'could not publish an event to Redis'));
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
  const runner = new SupervisorRunner({ services: pressroom.services, database: pressroom.database });
  runner.start();
  return runner;
}

/** A connection failure in a few words (a connection refused on several addresses has no message, only a code). */
const reasonOf = (error: unknown): string => {
  // drizzle wraps a driver's error ("Failed query: …"): the driver's says what happened.
  const cause = (error as { cause?: unknown }).cause;
  if (cause) return reasonOf(cause);
  return (error as Error).message || (error as NodeJS.ErrnoException).code || String(error);
};

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
