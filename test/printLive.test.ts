// What a dashboard and the maintenance schedule see of the print pipeline: subscriptions that
// start from the state now and follow a scan to its end, print maintenance raising (and
// resolving) alerts, the production lane's recurring scan, and the runbook's GraphiQL examples.
import { parse, validate } from 'graphql';
import { afterAll, describe, expect, it } from 'vitest';
import { printExamples } from '../src/api/examples/print.ts';
import { schema } from '../src/schema/index.ts';
import { listAlerts } from '../src/services/engine/alerts.ts';
import { updateSettings } from '../src/services/engine/runtimeSettings.ts';
import { submitDocuments } from '../src/services/print/documents.ts';
import { getPrintGovernor } from '../src/services/print/printGovernor.ts';
import { startProductionScans } from '../src/services/print/productionScans.ts';
import { getScan, listExportRows, listSlices } from '../src/services/print/reads.ts';
import { runPrintMaintenance } from '../src/services/print/runPrintMaintenance.ts';
import { runScan, startScan } from '../src/services/print/scans.ts';
import { createScanScope } from '../src/services/print/scopes.ts';
import { processSlice } from '../src/services/print/slices.ts';
import type { Worker } from '../src/worker/worker.ts';
import { useTestDatabase } from './support/db.ts';
import { useLocalApi } from './support/localApi.ts';
import { documents, newPrintFolder, printPipelineSettled, printsIn, scriptedPrinter, startPrintWorker } from './support/print.ts';
import { subscribeWs, wsClient } from './support/subscriptions.ts';
import { waitFor } from './support/wait.ts';

const by = { actor: 'ada', reason: 'test' };

describe('print pipeline, live', () => {
  const db = useTestDatabase();
  const { server } = useLocalApi(db);
  let worker: Worker | undefined;
  afterAll(async () => {
    await worker?.stop();
  });

  it('offers runbook examples that are valid operations of the schema', () => {
    expect(printExamples.length).toBeGreaterThanOrEqual(8);
    for (const example of printExamples) expect(validate(schema, parse(example.operation)), example.description).toEqual([]);
  });

  it('finds queued rows without a cycle and a stuck scan, raises alerts, asks for a cycle; the dry run changes nothing', async () => {
    const { services } = db();
    await submitDocuments(services, documents('maint', 3, { customer: 'maint' }), by);
    await createScanScope(services, { name: 'maint', lane: 'historical', customer: 'maint' }, by);
    // Rows queued with no worker running: nothing will print them.
    const scan = await startScan(services, 'maint', by);
    await runScan(services, scan.id, by);
    const [slice] = await listSlices(services.db, { scanId: scan.id }, { first: 1, after: null });
    await processSlice(services, slice!.id, by);
    // The cycle that asked for is dropped, as a lost job would be.
    await services.db.execute((await import('drizzle-orm')).sql`delete from jobs where kind = 'print.cycle'`);
    await updateSettings(services, { printStuckAfterMs: 1_000 }, by);
    const stuck = await startScan(services, 'maint', by); // its job never runs: no worker
    await waitFor(async () => Date.now() - stuck.createdAt.getTime() > 1_100, { what: 'the scan pending past the threshold' });

    const dry = await runPrintMaintenance(services, { dryRun: true }, by);
    expect(dry.findings.map((f) => [f.kind, f.targetId]).sort()).toEqual([
      ['print.rowsWithoutCycle', 'print'],
      ['print.stuckScan', String(stuck.id)],
    ]);
    expect((await listAlerts(services.db, { first: 10 })).alerts).toEqual([]);

    const report = await runPrintMaintenance(services, { dryRun: false }, { actor: 'print-maintenance', reason: 'schedule' });
    expect(report.cycleRequested).toBe(true);
    const alerts = (await listAlerts(services.db, { first: 10 })).alerts;
    expect(alerts.map((a) => a.kind).sort()).toEqual(['print.rowsWithoutCycle', 'print.stuckScan']);

    const folder = await newPrintFolder();
    worker = await startPrintWorker(services, db().database, scriptedPrinter(folder));
    await waitFor(async () => (await getScan(services.db, scan.id)).status === 'completed', { what: 'the rows printed by the cycle maintenance asked for' });
    // Once everything has run its course (the second scan ended, its rows printed or skipped as
    // printed, the print governor idle), the next maintenance run finds nothing and resolves both alerts.
    await waitFor(
      async () => {
        const [scanState, idle, busyRows] = await Promise.all([
          getScan(services.db, stuck.id),
          printPipelineSettled(services.db),
          listExportRows(services.db, { scanId: stuck.id, status: ['queued', 'processing'] }, { first: 1, after: null }),
        ]);
        return scanState.status === 'completed' && idle && busyRows.length === 0;
      },
      { what: 'the stuck scan run to its end and the printer idle' },
    );
    await updateSettings(services, { printStuckAfterMs: 300_000 }, by);
    await runPrintMaintenance(services, { dryRun: false }, { actor: 'print-maintenance', reason: 'schedule' });
    const open = (await listAlerts(services.db, { first: 10 })).alerts.filter((a) => a.resolvedAt === null);
    expect(open.map((a) => `${a.kind}: ${a.message}`)).toEqual([]);
    expect((await printsIn(folder)).sort()).toEqual(['maint-1', 'maint-2', 'maint-3']);
  });

  it('streams lane counts, the governor and a scan from their state now to the end of the scan', async () => {
    const { services } = db();
    await submitDocuments(services, documents('live', 12, { customer: 'live' }), by);
    await createScanScope(services, { name: 'live', lane: 'production', customer: 'live' }, by);
    const client = wsClient(server().url);
    try {
      const lanes = subscribeWs(client, `subscription { printLanes { lane counts { queued exported } } }`);
      const governor = subscribeWs(client, `subscription { printGovernor { isPrinting pendingPrintCycle currentCycle { status } } }`);
      const first = await lanes.feed.nextData();
      const exportedBefore = first.printLanes.find((l: any) => l.lane === 'production').counts.exported;
      expect((await governor.feed.nextData()).printGovernor).toMatchObject({ isPrinting: false });
      // The production lane's recurring scan picks up the new documents.
      const [scan] = await startProductionScans(services, { actor: 'schedule' });
      expect(scan).toMatchObject({ scopeName: 'live', lane: 'production' });
      const scanFeed = subscribeWs(client, `subscription($id: ID!) { printScan(id: $id) { status counts { rows { status count } } } }`, { id: String(scan!.id) });
      await scanFeed.feed.until((data) => data.printScan.status === 'completed', 30_000);
      await lanes.feed.until((data) => data.printLanes.find((l: any) => l.lane === 'production').counts.exported === exportedBefore + 12, 30_000);
      // The governor's changes streamed (a fast cycle may start and end within one coalesced message).
      await waitFor(() => governor.feed.messages.length > 1, { what: 'governor changes streamed' });
      await waitFor(() => {
        const last = governor.feed.messages.at(-1)!.data.printGovernor;
        return !last.isPrinting && !last.pendingPrintCycle;
      }, { what: 'the governor free again' });
      // Nothing new: the next recurring scan starts nothing.
      expect(await startProductionScans(services, { actor: 'schedule' })).toEqual([]);
      expect(await getPrintGovernor(services.db)).toMatchObject({ isPrinting: false });
      for (const s of [lanes, governor, scanFeed]) s.stop();
    } finally {
      await client.dispose();
    }
  });
});
