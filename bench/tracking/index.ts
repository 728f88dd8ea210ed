// The tracking bench (issue #12): a shop at the sizes on a database of its own, a real
// `pressroom serve` taking device records over HTTP, real `pressroom worker` processes processing
// them. Three figures: ingest rate through POST /ingest/…, processing rate end to end (records
// waiting → processed, both sources), and the lag under a steady 500 records/s.
import os from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { openDatabase, query, type Database } from '../../src/db/client.ts';
import { migrateDatabase } from '../../src/db/migrate.ts';
import type { ServiceContext } from '../../src/services/context.ts';
import { createApiKey } from '../../src/services/engine/apiKeys.ts';
import { KindRegistry } from '../../src/services/engine/kinds/registry.ts';
import { builtInHandlers } from '../../src/handlers/index.ts';
import { upsertTrackingReference } from '../../src/services/tracking/referenceData.ts';
import { listMarkers } from '../../src/services/tracking/readRecords.ts';
import { createScratchDatabase, now } from '../engine/system.ts';
import { spawnPressroom, type PressroomProcess } from '../pressroomProcess.ts';
import { serveApi } from '../api/server.ts';
import { sql } from 'drizzle-orm';
import { printEvent, referenceData, scan, type ShopSize } from './shop.ts';
import { renderTracking, type TrackingFigures } from './report.ts';
import { createServiceContext } from '../../src/services/createServiceContext.ts';

export interface TrackingBenchOptions {
  databaseUrl: string;
  /** 1 = the sizes; smaller for a quick look. */
  scale: number;
  workers: number;
  log?: (line: string) => void;
}

const BATCH = 1_000;
const INGEST_CLIENTS = 4;
const STEADY_RATE = 500;
const STEADY_SECONDS = 20;

export async function runTrackingBench(options: TrackingBenchOptions): Promise<{ consoleLines: string[]; markdown: string[] }> {
  const log = options.log ?? (() => {});
  const s = options.scale;
  const size: ShopSize = { jobs: Math.round(10_000 * s), impositions: Math.round(20_000 * s), runlistSize: 50 };
  const records = Math.round(100_000 * s);
  const scratch = await createScratchDatabase(options.databaseUrl, 'pressroom_bench_tracking');
  const database = await openDatabase({ url: scratch.url, poolSize: 4 });
  const started: PressroomProcess[] = [];
  let api: Awaited<ReturnType<typeof serveApi>> | undefined;
  try {
    await migrateDatabase(database, scratch.url);
    const services = benchServices(database);
    let t = now();
    let rows = 0;
    for (const chunk of referenceData(size)) {
      const counts = await upsertTrackingReference(services, chunk, { actor: 'bench' });
      rows += Object.values(counts).reduce((sum, n) => sum + n, 0);
    }
    const loadSeconds = (now() - t) / 1000;
    log(`tracking bench: reference data loaded (${rows} rows) in ${loadSeconds.toFixed(1)} s`);
    const { key } = await createApiKey(services, { name: 'bench-press', role: 'ingest' }, { actor: 'bench' });

    api = await serveApi(scratch.url);
    const post = postTo(new URL(api.url), key);
    const ingest = async (path: string, field: string, make: (n: number) => unknown, count: number, from = 0) => {
      let next = from;
      const end = from + count;
      await Promise.all(
        Array.from({ length: INGEST_CLIENTS }, async () => {
          while (next < end) {
            const start = next;
            next = Math.min(end, next + BATCH);
            await post(path, { [field]: Array.from({ length: next - start }, (_, k) => make(start + k)) });
          }
        }),
      );
    };
    t = now();
    await ingest('/ingest/print-os', 'events', (n) => printEvent(size, n), records);
    const printIngest = records / ((now() - t) / 1000);
    log(`tracking bench: ${records} Print OS events in at ${Math.round(printIngest)}/s`);
    t = now();
    await ingest('/ingest/scans', 'scans', (n) => scan(size, n), records);
    const scanIngest = records / ((now() - t) / 1000);
    log(`tracking bench: ${records} scans in at ${Math.round(scanIngest)}/s`);

    t = now();
    for (let i = 0; i < options.workers; i++) {
      const worker = spawnPressroom('worker', { DATABASE_URL: scratch.url, PRESSROOM_WORKER_QUEUES: 'tracking', LOG_LEVEL: 'warn', PRESSROOM_DB_POOL_SIZE: '4' });
      started.push(worker);
    }
    // The records wait; the workers' first runs are the ones asked for at ingest.
    const perSource: Record<string, number> = {};
    while (Object.keys(perSource).length < 2) {
      for (const marker of await listMarkers(database.db)) {
        if (marker.waiting === 0 && !(marker.source in perSource)) perSource[marker.source] = (now() - t) / 1000;
      }
      await sleep(200);
    }
    const processSeconds = Math.max(...Object.values(perSource));
    const processRate = (2 * records) / processSeconds;
    log(`tracking bench: ${2 * records} records processed in ${processSeconds.toFixed(1)} s (${Math.round(processRate)}/s; Print OS ${perSource.print_os!.toFixed(1)} s, scans ${perSource.scanner!.toFixed(1)} s)`);

    // Steady load: 500 records/s (half press events, half scans) in batches every 100 ms.
    const [{ steady_from }] = (await query<{ steady_from: string }>(database.db, sql`select now() as steady_from`)) as [{ steady_from: string }];
    const perTick = STEADY_RATE / 10 / 2;
    const samples: number[] = [];
    const sampler = (async () => {
      const until = now() + STEADY_SECONDS * 1000 + 3_000;
      while (now() < until) {
        for (const marker of await listMarkers(database.db)) samples.push(marker.lagSeconds);
        await sleep(250);
      }
    })();
    for (let tick = 0; tick < STEADY_SECONDS * 10; tick++) {
      const due = t + tick * 100;
      const from = records + tick * perTick;
      await Promise.all([
        post('/ingest/print-os', { events: Array.from({ length: perTick }, (_, k) => printEvent(size, from + k)) }),
        post('/ingest/scans', { scans: Array.from({ length: perTick }, (_, k) => scan(size, from + k, 'steady')) }),
      ]);
      void due;
      await sleep(Math.max(0, 100 - ((now() - t) % 100)));
    }
    await sampler;
    while ((await listMarkers(database.db)).some((m) => m.waiting > 0)) await sleep(100);
    const [lag] = await query<{ p50: number; p99: number; max: number; n: number }>(
      database.db,
      sql`with steady as (
            select extract(epoch from o.processed_at - r.received_at) as lag from tracking_outcomes o
            join print_os_events r on o.source = 'print_os' and r.id = o.record_id where r.received_at >= ${steady_from}::timestamptz
            union all
            select extract(epoch from o.processed_at - r.received_at) from tracking_outcomes o
            join scans r on o.source = 'scanner' and r.id = o.record_id where r.received_at >= ${steady_from}::timestamptz)
          select percentile_cont(0.5) within group (order by lag) as p50, percentile_cont(0.99) within group (order by lag) as p99,
                 max(lag) as max, count(*)::int as n from steady`,
    );
    samples.sort((a, b) => a - b);
    const figures: TrackingFigures = {
      scale: s,
      loadAverage: os.loadavg()[0]!,
      size,
      records,
      workers: options.workers,
      loadSeconds,
      referenceRows: rows,
      printIngest,
      scanIngest,
      processSeconds,
      processRate,
      perSource,
      steady: {
        rate: STEADY_RATE,
        seconds: STEADY_SECONDS,
        records: Number(lag!.n),
        p50: Number(lag!.p50),
        p99: Number(lag!.p99),
        max: Number(lag!.max),
        dashboardP99: samples[Math.floor(samples.length * 0.99)] ?? 0,
      },
    };
    log(`tracking bench: lag at ${STEADY_RATE}/s: p50 ${figures.steady.p50.toFixed(2)} s, p99 ${figures.steady.p99.toFixed(2)} s, dashboard p99 ${figures.steady.dashboardP99.toFixed(2)} s`);
    return renderTracking(figures);
  } finally {
    await Promise.all(started.map((p) => p.stop()));
    await api?.stop();
    await database.close();
    await scratch.drop();
  }
}

function benchServices(database: Database): ServiceContext {
  return createServiceContext(database.db, { kinds: new KindRegistry(builtInHandlers) });
}

function postTo(graphqlUrl: URL, key: string) {
  return async (path: string, body: unknown) => {
    const response = await fetch(new URL(path, graphqlUrl), {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify(body),
    });
    if (response.status !== 200) throw new Error(`${path}: HTTP ${response.status} ${await response.text()}`);
    await response.arrayBuffer();
  };
}
