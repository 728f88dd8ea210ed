// Engine throughput and latency on its own: bulk enqueue, single enqueue from 8 concurrent
// clients, drain with one worker at concurrency 10, enqueue-to-start latency. The run beside the
// peers (graphile-worker, pg-boss, BullMQ) is issue #5's; this measures Pressroom alone.
//   DATABASE_URL=postgres://root@127.0.0.1:5432/root npm run bench   (embedded when unset)
import { setTimeout as sleep } from 'node:timers/promises';
import pino from 'pino';
import postgres from 'postgres';
import { sql } from 'drizzle-orm';
import { openDatabase, query, type Database } from '../src/db/client.ts';
import { migrateDatabase } from '../src/db/migrate.ts';
import { createInProcessBus } from '../src/services/events.ts';
import { createJobNotifier } from '../src/services/notifier.ts';
import { DEFAULT_ENGINE_SETTINGS } from '../src/services/settings.ts';
import type { ServiceContext } from '../src/services/context.ts';
import { enqueueJob, enqueueJobs } from '../src/services/jobs/enqueue.ts';
import { createRegistry, defineHandler } from '../src/worker/handler.ts';
import { Worker } from '../src/worker/worker.ts';

const N = Number(process.env.BENCH_JOBS ?? 20_000);
const by = { actor: 'bench' };

async function openBenchDatabase(): Promise<{ database: Database; url?: string }> {
  const server = process.env.DATABASE_URL;
  if (!server) {
    const database = await openDatabase({ dataDir: `/tmp/pressroom-bench-${process.pid}` });
    await migrateDatabase(database);
    return { database };
  }
  const admin = postgres(server, { max: 1, onnotice: () => {} });
  await admin.unsafe('drop database if exists pressroom_bench with (force)');
  await admin.unsafe('create database pressroom_bench');
  await admin.end();
  const url = Object.assign(new URL(server), { pathname: '/pressroom_bench' }).toString();
  const database = await openDatabase({ url, poolSize: 12 });
  await migrateDatabase(database, url);
  return { database, url };
}

async function count(services: ServiceContext, status: string): Promise<number> {
  const [row] = await query<{ n: string | number }>(services.db, sql`select count(*) as n from jobs where status = ${status}`);
  return Number(row?.n ?? 0);
}

/** One worker at concurrency 10, at default settings, running no-op jobs of `kind`. */
function noopWorker(services: ServiceContext, database: Database, kind: string): Worker {
  return new Worker({
    services,
    database,
    handlers: createRegistry([defineHandler({ kind, async run() {} })]),
    queues: null,
    concurrency: 10,
    leaseMs: 30_000,
    pollIntervalMs: 1_000,
    shutdownGraceMs: 5_000,
  });
}

async function main() {
  const { database } = await openBenchDatabase();
  const services: ServiceContext = {
    db: database.db,
    bus: createInProcessBus(),
    log: pino({ level: 'warn' }),
    notifier: createJobNotifier(database.db),
    settings: DEFAULT_ENGINE_SETTINGS,
  };
  const rate = (jobs: number, ms: number) => `${Math.round((jobs * 1000) / ms).toLocaleString('en')} jobs/s`;

  let t = performance.now();
  for (let i = 0; i < N; i += 5_000) {
    await enqueueJobs(services, Array.from({ length: Math.min(5_000, N - i) }, (_, j) => ({ kind: 'bench.noop', payload: { i: i + j } })), by);
  }
  console.log(`bulk enqueue ${N}: ${rate(N, performance.now() - t)}`);

  const worker = noopWorker(services, database, 'bench.noop');
  t = performance.now();
  await worker.start();
  while ((await count(services, 'completed')) < N) await sleep(20);
  console.log(`drain ${N} (concurrency 10): ${rate(N, performance.now() - t)}`);
  await worker.stop();

  t = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < N) {
        next++;
        await enqueueJob(services, { kind: 'bench.single' }, by);
      }
    }),
  );
  console.log(`single enqueue ${N} (8 clients): ${rate(N, performance.now() - t)}`);

  await database.db.execute(sql`delete from jobs`);
  const idle = noopWorker(services, database, 'bench.latency');
  await idle.start();
  for (let i = 0; i < 500; i++) {
    await enqueueJob(services, { kind: 'bench.latency' }, by);
    await sleep(5);
  }
  while ((await count(services, 'completed')) < 500) await sleep(20);
  const latencies = (
    await query<{ ms: number | string }>(services.db, sql`select extract(epoch from started_at - created_at) * 1000 as ms from jobs order by 1`)
  ).map((r) => Number(r.ms));
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))]!.toFixed(1);
  console.log(`enqueue-to-start latency (500 jobs, one per 5 ms): p50 ${pct(50)} ms, p95 ${pct(95)} ms, p99 ${pct(99)} ms`);
  await idle.stop();
  await database.close();
}

await main();
