// The print pipeline through its services, with a real worker: documents → scan → slices →
// batches → lane rows → print cycles, reconciliation up the tree, dedupe, attempts, lane pause.
import { afterEach, describe, expect, it } from 'vitest';
import { listHistory } from '../src/services/engine/history.ts';
import { updateSettings } from '../src/services/engine/runtimeSettings.ts';
import { submitDocuments } from '../src/services/print/documents.ts';
import { pausePrintLane, resumePrintLane, listLaneStates } from '../src/services/print/lanes.ts';
import { getPrintGovernor } from '../src/services/print/printGovernor.ts';
import { getScan, listBatches, listExportRows, listSlices, findDedupeMarker } from '../src/services/print/reads.ts';
import { requeueExportRows } from '../src/services/print/requeueExportRows.ts';
import { startScan } from '../src/services/print/scans.ts';
import { createScanScope } from '../src/services/print/scopes.ts';
import type { Worker } from '../src/worker/worker.ts';
import { useTestDatabase } from './support/db.ts';
import { documents, newPrintFolder, printsIn, scriptedPrinter, startPrintWorker } from './support/print.ts';
import { waitFor } from './support/wait.ts';

const db = useTestDatabase();
const by = { actor: 'ada', reason: 'test' };
let worker: Worker | undefined;

afterEach(async () => {
  await worker?.stop();
  worker = undefined;
});

async function scanOf(prefix: string, n: number, lane: 'production' | 'historical', customer = prefix) {
  const { services } = db();
  await submitDocuments(services, documents(prefix, n, { customer }), by);
  await createScanScope(services, { name: `scope-${prefix}`, lane, customer }, by);
  return startScan(services, `scope-${prefix}`, by);
}

const scanDone = (id: number) =>
  waitFor(async () => {
    const scan = await getScan(db().services.db, id);
    return scan.status === 'completed' && scan;
  }, { what: `scan ${id} completed`, timeoutMs: 30_000 });

describe('print pipeline', () => {
  it('scans documents into slices, batches and rows, prints them all, and reconciles up the tree', async () => {
    const { services, database } = db();
    await updateSettings(services, { printSliceSize: 10, printBatchSize: 4, printChunkSize: 7 }, by);
    const folder = await newPrintFolder();
    worker = await startPrintWorker(services, database, scriptedPrinter(folder));
    const scan = await scanOf('tree', 25, 'historical');
    const done = await scanDone(scan.id);
    expect(done).toMatchObject({ documentsTotal: 25, slicesTotal: 3 });
    const slices = await listSlices(services.db, { scanId: scan.id }, { first: 10, after: null });
    expect(slices.map((s) => [s.documentsTotal, s.batchesTotal, s.status])).toEqual([
      [10, 3, 'completed'],
      [10, 3, 'completed'],
      [5, 2, 'completed'],
    ]);
    const batches = await listBatches(services.db, { scanId: scan.id }, { first: 50, after: null });
    expect(batches.every((b) => b.status === 'completed')).toBe(true);
    const rows = await listExportRows(services.db, { scanId: scan.id }, { first: 50, after: null });
    expect(rows.map((r) => r.status)).toEqual(Array(25).fill('exported'));
    expect((await printsIn(folder)).sort()).toEqual(documents('tree', 25).map((d) => d.key).sort());
    expect(await findDedupeMarker(services.db, 'tree-3')).toMatchObject({ scanId: scan.id });
    const lanes = await listLaneStates(services.db);
    expect(lanes.find((l) => l.lane === 'historical')!.counts).toMatchObject({ exported: 25, queued: 0, processing: 0 });
    const governor = await waitFor(async () => {
      const g = await getPrintGovernor(services.db);
      return !g.isPrinting && g;
    });
    expect(governor.pendingPrintCycle).toBe(false);
    const history = await listHistory(services.db, { targetType: 'printScan', targetId: String(scan.id) }, { first: 10 });
    expect(history.entries.map((e) => e.operation).reverse()).toEqual(['create', 'start', 'complete']);
  });
});
