// Pressroom in its normal mode: default engine settings, history and events on (events through
// Redis when a Redis URL is given, as in production), one worker at concurrency 10.
import pino from 'pino';
import { sql } from 'drizzle-orm';
import { connectRedisBus } from '../../src/app.ts';
import { openDatabase, query, type Database } from '../../src/db/client.ts';
import { migrateDatabase } from '../../src/db/migrate.ts';
import { createInProcessBus } from '../../src/services/events.ts';
import type { ServiceContext } from '../../src/services/context.ts';
import { KindRegistry } from '../../src/services/engine/kinds/registry.ts';
import { enqueueJob, enqueueJobs } from '../../src/services/engine/jobs/enqueue.ts';
import { createRegistry, defineHandler } from '../../src/worker/handler.ts';
import { Worker } from '../../src/worker/worker.ts';
import { chunks, createScratchDatabase, fromClients, now, trickle, waitFor, type DrainMode, type EngineSystem, type Timed } from './system.ts';
import { createServiceContext } from '../../src/services/createServiceContext.ts';
import { scratchDatabaseName } from './cpu.ts';

const by = { actor: 'bench' };
const CONCURRENCY = 10;

/** A migrated database and the services over it. */
export interface PressroomDatabase {
  database: Database;
  services: ServiceContext;
  close(): Promise<void>;
}

export interface PressroomOptions {
  /** Opens a fresh migrated database; by default a new database on `databaseUrl`'s server. */
  open?: () => Promise<PressroomDatabase>;
  databaseUrl?: string;
  redisUrl?: string;
}

/** The kinds this bench enqueues: no-op handlers, any payload. */
export const BENCH_KINDS = new KindRegistry(['bench.noop', 'bench.single', 'bench.latency'].map((kind) => ({ kind })));

/** The services over an open, migrated database, as the app builds them; `close` also runs `cleanup`. */
export async function pressroomOver(database: Database, redisUrl: string | undefined, name: string, cleanup: () => Promise<void>): Promise<PressroomDatabase> {
  const log = pino({ level: 'warn' });
  const bus = redisUrl ? await connectRedisBus(redisUrl, name, log) : createInProcessBus();
  const services = createServiceContext(database.db, { bus, log, kinds: BENCH_KINDS });
  return {
    database,
    services,
    async close() {
      await services.notifier.drain().catch(() => {});
      await bus.close();
      await cleanup();
    },
  };
}

async function openScratch(databaseUrl: string, redisUrl: string | undefined): Promise<PressroomDatabase> {
  const name = scratchDatabaseName('pressroom');
  const scratch = await createScratchDatabase(databaseUrl, name);
  const database = await openDatabase({ url: scratch.url, poolSize: 12 });
  await migrateDatabase(database, scratch.url);
  return pressroomOver(database, redisUrl, name, async () => {
    await database.close();
    await scratch.drop();
  });
}

export function createPressroom(options: PressroomOptions = {}, name = 'Pressroom', mode = 'default engine settings, history and events on (events through Redis), database pool 12'): EngineSystem {
  let opened: PressroomDatabase | undefined;
  const workers: Worker[] = [];
  const open = options.open ?? (() => openScratch(options.databaseUrl!, options.redisUrl));
  const it = () => {
    if (!opened) throw new Error('pressroom: setup first');
    return opened;
  };

  /** Jobs above `afterId` completed: the figure's own, not the finished jobs a loaded database holds. */
  const completed = async (afterId: number): Promise<number> => {
    const [row] = await query<{ n: string | number }>(it().services.db, sql`select count(*) as n from jobs where status = 'completed' and id > ${afterId}`);
    return Number(row?.n ?? 0);
  };

  /** One worker at concurrency 10, at default settings; `onStart` sees each job's payload. */
  const startWorker = async (kind: string, onStart: (payload: { t?: number }) => void = () => {}): Promise<Worker> => {
    const { services, database } = it();
    const worker = new Worker({
      services,
      database,
      handlers: createRegistry([
        defineHandler<{ t?: number }>({
          kind,
          async run({ payload }) {
            onStart(payload);
          },
        }),
      ]),
      queues: null,
      concurrency: CONCURRENCY,
      leaseMs: 30_000,
      pollIntervalMs: 1_000,
      shutdownGraceMs: 5_000,
    });
    workers.push(worker);
    await worker.start();
    return worker;
  };

  const bulk = async (n: number, kind: string) => {
    const jobs = Array.from({ length: n }, (_, i) => ({ kind, payload: { i } }));
    for (const chunk of chunks(jobs, 5_000)) await enqueueJobs(it().services, chunk, by);
  };

  return {
    name,
    settings: {
      mode,
      bulk: 'enqueueJobs in batches of 5,000',
      single: 'enqueueJob, one call per job',
      drain: `one Worker at concurrency ${CONCURRENCY} with its default prefetch buffer (100 ms of work, at most 1,000 jobs; "fastest" is the same setting)`,
      latency: `one idle Worker at concurrency ${CONCURRENCY}, woken by LISTEN/NOTIFY`,
    },
    async setup() {
      opened = await open();
    },
    async bulkEnqueue(n): Promise<Timed> {
      const t = now();
      await bulk(n, 'bench.noop');
      return { jobs: n, ms: now() - t };
    },
    async singleEnqueue(n, clients): Promise<Timed> {
      const t = now();
      await fromClients(n, clients, () => enqueueJob(it().services, { kind: 'bench.single' }, by));
      return { jobs: n, ms: now() - t };
    },
    async drain(n, _mode: DrainMode): Promise<Timed> {
      const [last] = await query<{ id: string | number | null }>(it().services.db, sql`select max(id) as id from jobs`);
      const afterId = Number(last?.id ?? 0);
      await bulk(n, 'bench.noop');
      const t = now();
      await startWorker('bench.noop');
      await waitFor(async () => (await completed(afterId)) >= n, `pressroom drain of ${n}`);
      return { jobs: n, ms: now() - t };
    },
    async latency(count, everyMs) {
      const latencies: number[] = [];
      await startWorker('bench.latency', (payload) => latencies.push(now() - payload.t!));
      await trickle(count, everyMs, (t) => enqueueJob(it().services, { kind: 'bench.latency', payload: { t } }, by));
      await waitFor(() => latencies.length >= count, 'pressroom latency jobs');
      return latencies;
    },
    async teardown() {
      for (const worker of workers.splice(0)) await worker.stop();
      await opened?.close();
      opened = undefined;
    },
  };
}
