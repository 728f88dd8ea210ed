// The bulk section of `npm run bench` (issue #10): cancel, retry and delete over a filter of 5,000
// and of 100,000 jobs. 5,000 run in the call (chunks of 5,000, one transaction each); 100,000 run
// as an engine.bulk job on a worker in this process: the call returns at once with the job, and
// the figure is the time until that job completed. Each job gets its history entry either way.
import pino from 'pino';
import { sql } from 'drizzle-orm';
import { connectRedisBus } from '../../src/app.ts';
import { openDatabase, query } from '../../src/db/client.ts';
import { migrateDatabase } from '../../src/db/migrate.ts';
import { engineHandlers } from '../../src/handlers/index.ts';
import { applyToJobs, BULK_INLINE_LIMIT, type BulkOperation } from '../../src/services/engine/jobs/bulk.ts';
import { enqueueJobs } from '../../src/services/engine/jobs/enqueue.ts';
import { getJob } from '../../src/services/engine/jobs/read.ts';
import { KindRegistry } from '../../src/services/engine/kinds/registry.ts';
import { createRegistry } from '../../src/worker/handler.ts';
import { Worker } from '../../src/worker/worker.ts';
import { createScratchDatabase, now, waitFor } from '../engine/system.ts';
import { createServiceContext } from '../../src/services/createServiceContext.ts';

export interface BulkBenchOptions {
  databaseUrl: string;
  redisUrl: string;
  sizes: number[];
  log: (line: string) => void;
}

const OPERATIONS: { operation: BulkOperation; filter: (queue: string) => object }[] = [
  { operation: 'cancel', filter: (queue) => ({ queue }) },
  { operation: 'retry', filter: (queue) => ({ queue, status: ['cancelled'] }) },
  { operation: 'delete', filter: (queue) => ({ queue }) },
];

export async function runBulkBench(options: BulkBenchOptions): Promise<{ consoleLines: string[]; markdown: string[] }> {
  const rows: string[] = [];
  for (const size of options.sizes) {
    const figures = await measureSize(options, size);
    rows.push(`| ${size.toLocaleString('en-US')} | ${size > BULK_INLINE_LIMIT ? 'as a job' : 'in the call'} | ${figures.map(formatFigure).join(' | ')} |`);
  }
  const table = ['| jobs | how | cancel | retry | delete |', '| --- | --- | --- | --- | --- |', ...rows];
  const markdown = [
    '## Bulk operations',
    '',
    'Cancel, retry and delete over a filter (one queue) of queued jobs, `BENCH_SECTIONS=bulk npm run bench` (bench/bulk): set-based chunks of',
    `5,000 jobs, one transaction and one statement each, every job with its history entry; events over Redis. Up to ${BULK_INLINE_LIMIT.toLocaleString('en-US')}`,
    'jobs run in the call (time of the call); more run as an engine.bulk job on a worker (time from the call to the job completed; the call',
    'itself returns at once). Target: 5,000 jobs in ≤ 1 s. This machine is shared with other work (2 cores): figures are noisy.',
    '',
    ...table,
  ];
  return { consoleLines: ['bulk operations (ms, jobs/s):', ...table], markdown };
}

interface Figure {
  ms: number;
  jobs: number;
  returnedMs: number;
}

const formatFigure = (f: Figure) =>
  `${Math.round(f.ms).toLocaleString('en-US')} ms (${Math.round((1000 * f.jobs) / f.ms).toLocaleString('en-US')}/s)${f.returnedMs < f.ms / 2 ? `, returned in ${Math.round(f.returnedMs)} ms` : ''}`;

async function measureSize(options: BulkBenchOptions, size: number): Promise<Figure[]> {
  const name = `bench_bulk_${process.pid}`;
  const scratch = await createScratchDatabase(options.databaseUrl, name);
  const database = await openDatabase({ url: scratch.url, poolSize: 8 });
  const log = pino({ level: 'warn' });
  const bus = await connectRedisBus(options.redisUrl, name, log);
  const services = createServiceContext(database.db, { bus, log, kinds: new KindRegistry([...engineHandlers, { kind: 'bench.parked' }]) });
  const worker = new Worker({
    services,
    database,
    handlers: createRegistry(engineHandlers),
    queues: ['default'],
    concurrency: 1,
    leaseMs: 30_000,
    pollIntervalMs: 200,
    shutdownGraceMs: 5_000,
  });
  try {
    await migrateDatabase(database, scratch.url);
    await worker.start();
    const queue = 'parked';
    for (let i = 0; i < size; i += 5_000) {
      const chunk = Array.from({ length: Math.min(5_000, size - i) }, (_, n) => ({ kind: 'bench.parked', queue, payload: { n: i + n } }));
      await enqueueJobs(services, chunk, { actor: 'bench' });
    }
    await database.db.execute(sql`analyze jobs`);
    const figures: Figure[] = [];
    for (const { operation, filter } of OPERATIONS) {
      const started = now();
      const outcome = await applyToJobs(services, filter(queue) as never, operation, { actor: 'bench', reason: `bench ${operation}` });
      const returnedMs = now() - started;
      if (outcome.job) {
        const id = outcome.job.id;
        await waitFor(async () => (await getJob(services.db, id)).status === 'completed', `the bulk ${operation} job`);
      }
      const ms = now() - started;
      const [row] = await query<{ n: number | string }>(services.db, sql`select count(*) as n from history where reason = ${`bench ${operation}`} and operation = ${operation} and target_type = 'job'`);
      if (Number(row!.n) !== size) throw new Error(`bulk ${operation} of ${size}: ${row!.n} history entries`);
      options.log(`${size} jobs, ${operation}: ${Math.round(ms)} ms${outcome.job ? ` (as a job; the call returned in ${Math.round(returnedMs)} ms)` : ''}`);
      figures.push({ ms, jobs: size, returnedMs });
    }
    return figures;
  } finally {
    await worker.stop();
    await services.notifier.drain().catch(() => {});
    await bus.close();
    await database.close();
    await scratch.drop();
  }
}
