// Production tracking on workers: records that arrive start a run soon after (one waiting run
// however many arrive), and two processors of one source never both process — in server mode
// two real `pressroom worker` processes, embedded two workers in this process.
import { sql } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { query } from '../src/db/client.ts';
import { GovernorBusyError } from '../src/services/errors.ts';
import { releaseGovernor, tryAcquireGovernor } from '../src/services/engine/governors.ts';
import { recordPrintOsEvents, recordScans } from '../src/services/tracking/ingest.ts';
import { processPending } from '../src/services/tracking/processor.ts';
import { listMarkers } from '../src/services/tracking/readRecords.ts';
import { governorOf, processStatusUpdates } from '../src/services/tracking/runs.ts';
import { trackingHandlers } from '../src/handlers/tracking/index.ts';
import { createRegistry } from '../src/worker/handler.ts';
import type { Worker } from '../src/worker/worker.ts';
import { serverMode, useTestDatabase } from './support/db.ts';
import { maxOverlap } from './support/overlap.ts';
import { by, openShop, operation, printEvent, scan } from './support/tracking.ts';
import { waitFor } from './support/wait.ts';
import { spawnWorkerProcess, startTestWorker, type WorkerProcess } from './support/workers.ts';

const db = useTestDatabase();
const ctx = () => db().services;
const processes: WorkerProcess[] = [];
const workers: Worker[] = [];

async function stopProcessors() {
  await Promise.all(processes.splice(0).map((p) => p.stop()));
  await Promise.all(workers.splice(0).map((w) => w.stop()));
}

afterAll(stopProcessors);

async function startTwoProcessors() {
  if (serverMode) {
    for (let i = 0; i < 2; i++) {
      const worker = spawnWorkerProcess(db(), { PRESSROOM_WORKER_QUEUES: 'tracking', PRESSROOM_WORKER_CONCURRENCY: '4' });
      processes.push(worker);
    }
    await Promise.all(processes.map((p) => p.waitForOutput(/worker started/)));
  } else {
    for (let i = 0; i < 2; i++) workers.push(await startTestWorker(ctx(), db().database, { queues: ['tracking'], concurrency: 4, handlers: createRegistry(trackingHandlers) }));
  }
}

describe('processing on workers', () => {
  it('processes every record exactly once while two processors of the source run, never both at once', { timeout: 240_000 }, async () => {
    const shop = await openShop(ctx());
    const [i1, i2] = Object.keys(shop.impositions);
    await startTwoProcessors();
    const total = 600;
    const events = Array.from({ length: total }, (_, n) =>
      printEvent(n % 2 ? i1! : i2!, n % 3 ? 'PRINTED' : 'ABORTED', new Date(Date.parse('2026-11-30T08:00:00Z') + n * 1000).toISOString()),
    );
    // Batches arrive two at a time; each asks for a run.
    for (let b = 0; b < 12; b += 2) {
      await Promise.all([b, b + 1].map((n) => recordPrintOsEvents(ctx(), events.slice(n * 50, (n + 1) * 50), by)));
    }
    await waitFor(async () => (await listMarkers(ctx().db)).find((m) => m.source === 'print_os' && m.waiting === 0 && m.processedCount >= total), {
      timeoutMs: 150_000,
      what: 'every event processed',
    });
    const [counts] = await query<{ outcomes: number; twice: number }>(
      ctx().db,
      sql`select count(*)::int as outcomes, count(*) filter (where attempts > 1)::int as twice from tracking_outcomes where source = 'print_os'`,
    );
    expect(counts).toEqual({ outcomes: total, twice: 0 });
    // The run that processed the last record completes after it returns.
    await waitFor(
      async () => (await query(ctx().db, sql`select 1 from jobs where kind = 'tracking.process' and status in ('queued', 'running')`)).length === 0,
      { timeoutMs: 60_000, what: 'the processing runs to end' },
    );
    await stopProcessors();
    const runs = await query<{ started_at: string; finished_at: string; worker_id: string }>(
      ctx().db,
      sql`select started_at, finished_at, worker_id from jobs where kind = 'tracking.process' and payload->>'source' = 'print_os' and status = 'completed'`,
    );
    expect(runs.length).toBeGreaterThan(0);
    expect(maxOverlap(runs.map((r) => ({ startedAt: Date.parse(r.started_at), finishedAt: Date.parse(r.finished_at) })))).toBe(1);
    // The last event (n = 599, I1, PRINTED at the latest time) decided the imposition; B's files are all on I1.
    expect(await operation(ctx(), shop.jobs[1]!, 'print')).toMatchObject({ status: 'completed' });
  });

  it('a manual run while the source is being processed is refused as busy', async () => {
    const holder = 'another-processor';
    await tryAcquireGovernor(ctx(), governorOf('scanner'), holder, { leaseMs: 30_000 });
    try {
      await expect(processStatusUpdates(ctx(), 'scanner', by)).rejects.toBeInstanceOf(GovernorBusyError);
    } finally {
      await releaseGovernor(ctx(), governorOf('scanner'), { actor: 'test', holder });
    }
  });

  it('two processors racing past the governor still take each record once: the marker row is locked per batch', async () => {
    const shop = await openShop(ctx());
    await recordScans(ctx(), Array.from({ length: 500 }, (_, n) => scan(n % 2 ? shop.runlist : `${shop.loneJob}_v1`, ['coating'], '2026-11-30T09:00:00Z')), by);
    const [a, b] = await Promise.all([processPending(ctx(), 'scanner'), processPending(ctx(), 'scanner')]);
    expect(a.processed + a.rejected + b.processed + b.rejected).toBe(500);
    const [counts] = await query<{ twice: number }>(ctx().db, sql`select count(*) filter (where attempts > 1)::int as twice from tracking_outcomes where source = 'scanner'`);
    expect(counts!.twice).toBe(0);
  });
});
