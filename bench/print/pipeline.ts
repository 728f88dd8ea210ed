// The print bench's pipeline on a scratch database: documents submitted (untimed), then scanned
// into slices, batches and rows through the services (timed: scan + enqueue), then drained by one
// in-process worker running print cycles with the default (folder) printer at zero pacing (timed).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import pino from 'pino';
import { openDatabase, query, type Database } from '../../src/db/client.ts';
import { migrateDatabase } from '../../src/db/migrate.ts';
import { builtInHandlers } from '../../src/handlers/index.ts';
import { createPrintHandlers } from '../../src/handlers/print/index.ts';
import { KindRegistry } from '../../src/services/engine/kinds/registry.ts';
import type { ServiceContext } from '../../src/services/context.ts';
import { submitDocuments } from '../../src/services/print/documents.ts';
import { listLaneStates } from '../../src/services/print/lanes.ts';
import { createFolderPrinter } from '../../src/services/print/printers/index.ts';
import { listSlices } from '../../src/services/print/reads.ts';
import { runScan, startScan } from '../../src/services/print/scans.ts';
import { createScanScope } from '../../src/services/print/scopes.ts';
import { processSlice } from '../../src/services/print/slices.ts';
import { createRegistry } from '../../src/worker/handler.ts';
import { Worker } from '../../src/worker/worker.ts';
import { now, waitFor } from '../engine/system.ts';
import { createServiceContext } from '../../src/services/createServiceContext.ts';

const by = { actor: 'bench' };

export interface Pipeline {
  services: ServiceContext;
  database: Database;
  close(): Promise<void>;
}

export async function openPipeline(url: string): Promise<Pipeline> {
  const database = await openDatabase({ url, poolSize: 10 });
  await migrateDatabase(database, url);
  const services = createServiceContext(database.db, { log: pino({ level: 'warn' }), kinds: new KindRegistry(builtInHandlers) });
  return {
    services,
    database,
    async close() {
      await services.notifier.drain().catch(() => {});
      await database.close();
    },
  };
}

export async function submitBenchDocuments(services: ServiceContext, count: number): Promise<void> {
  for (let start = 0; start < count; start += 5_000) {
    const n = Math.min(5_000, count - start);
    await submitDocuments(
      services,
      Array.from({ length: n }, (_, i) => ({ key: `bench-${start + i}`, type: 'invoice', customer: 'bench', content: `invoice ${start + i}\n`.padEnd(200, '.') })),
      by,
    );
  }
}

/** Starts a scan of every bench document and runs its job and its slices' work as the job kinds would, four slices at a time. */
export async function scanAndEnqueue(services: ServiceContext): Promise<{ ms: number; rows: number; slices: number }> {
  await createScanScope(services, { name: 'bench', lane: 'historical', customer: 'bench' }, by);
  const started = now();
  const scan = await startScan(services, 'bench', by);
  await runScan(services, scan.id, by);
  const slices = await listSlices(services.db, { scanId: scan.id }, { first: 100_000, after: null });
  let next = 0;
  let rows = 0;
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (next < slices.length) {
        const outcome = await processSlice(services, slices[next++]!.id, by);
        if (!outcome.deferred) rows += outcome.rows;
      }
    }),
  );
  return { ms: now() - started, rows, slices: slices.length };
}

/** One worker with the print job kinds drains every queued row through print cycles; returns the time. */
export async function drain(pipeline: Pipeline, rows: number): Promise<{ ms: number; cycles: number }> {
  const folder = await mkdtemp(path.join(tmpdir(), 'pressroom-bench-print-'));
  const worker = new Worker({
    services: pipeline.services,
    database: pipeline.database,
    handlers: createRegistry(createPrintHandlers(() => createFolderPrinter(folder))),
    queues: ['print'],
    concurrency: 1,
    leaseMs: 60_000,
    pollIntervalMs: 100,
    shutdownGraceMs: 5_000,
  });
  const started = now();
  await worker.start();
  try {
    await waitFor(async () => {
      const lanes = await listLaneStates(pipeline.services.db);
      return lanes.reduce((sum, lane) => sum + lane.counts.exported + lane.counts.failed_export, 0) >= rows;
    }, 'rows drained');
    const ms = now() - started;
    const [row] = await query<{ n: number }>(pipeline.services.db, sql`select count(*)::int as n from jobs where kind = 'print.cycle'`);
    return { ms, cycles: Number(row?.n ?? 0) };
  } finally {
    await worker.stop();
    await rm(folder, { recursive: true, force: true });
  }
}
