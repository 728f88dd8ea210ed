// The print pipeline through its services, with a real worker: documents → scan → slices →
// batches → lane rows → print cycles, reconciliation up the tree, dedupe, attempts, lane pause.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { listAlerts } from '../src/services/engine/alerts.ts';
import { enqueueJob } from '../src/services/engine/jobs/enqueue.ts';
import { getSchedule } from '../src/services/engine/schedules.ts';
import { ensurePrintSchedules, MAINTENANCE_KIND, PRODUCTION_SCAN_KIND } from '../src/services/print/printSchedules.ts';
import { listHistory } from '../src/services/engine/history.ts';
import { updateSettings } from '../src/services/engine/runtimeSettings.ts';
import { submitDocuments } from '../src/services/print/documents.ts';
import { pausePrintLane, resumePrintLane, listLaneStates } from '../src/services/print/lanes.ts';
import { getPrintGovernor } from '../src/services/print/printGovernor.ts';
import { getScan, listBatches, listExportRows, listSlices, findDedupeMarker } from '../src/services/print/reads.ts';
import { requeueExportRows } from '../src/services/print/requeueExportRows.ts';
import { requestPrintCycle } from '../src/services/print/requestPrintCycle.ts';
import { processSlice } from '../src/services/print/slices.ts';
import { getJob, listJobs } from '../src/services/engine/jobs/read.ts';
import { releaseGovernor } from '../src/services/engine/governors.ts';
import { runPrintMaintenance } from '../src/services/print/runPrintMaintenance.ts';
import { listDocuments } from '../src/services/print/documents.ts';
import { cancelScan, runScan, startScan } from '../src/services/print/scans.ts';
import { createScanScope } from '../src/services/print/scopes.ts';
import { useTestDatabase } from './support/db.ts';
import { documents, gatedPrinter, newPrintFolder, printPipelineSettled, printsIn, scanCompleted, scriptedPrinter, usePrintWorkers } from './support/print.ts';
import { waitFor } from './support/wait.ts';

const db = useTestDatabase();
const by = { actor: 'ada', reason: 'test' };
const startWorker = usePrintWorkers(db);

async function scanOf(prefix: string, n: number, lane: 'production' | 'historical', customer = prefix) {
  const { services } = db();
  await submitDocuments(services, documents(prefix, n, { customer }), by);
  await createScanScope(services, { name: `scope-${prefix}`, lane, customer }, by);
  return startScan(services, `scope-${prefix}`, by);
}

const scanDone = (id: number) => scanCompleted(db().services.db, id);

describe('print pipeline', () => {
  it('scans documents into slices, batches and rows, prints them all, and reconciles up the tree', async () => {
    const { services } = db();
    await updateSettings(services, { printSliceSize: 10, printBatchSize: 4, printChunkSize: 7 }, by);
    const folder = await newPrintFolder();
    await startWorker(scriptedPrinter(folder));
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
    // A cycle requested while the last one ran is enqueued just after that one lets go of the
    // governor, so wait for the pipeline to settle: no cycle printing, pending or due.
    await waitFor(() => printPipelineSettled(services.db), { what: 'the print pipeline settled (no cycle printing, pending or due)' });
    const history = await listHistory(services.db, { targetType: 'printScan', targetId: String(scan.id) }, { first: 10 });
    expect(history.entries.map((e) => e.operation).reverse()).toEqual(['create', 'start', 'complete']);
  });

  it('defers the slices of a paused lane while the other lane goes on; resuming prints them', async () => {
    const { services } = db();
    const folder = await newPrintFolder();
    await startWorker(scriptedPrinter(folder));
    const [, historicalBefore] = await listLaneStates(services.db);
    await pausePrintLane(services, 'historical', { actor: 'ada', reason: 'paper change' });
    const prod = await scanOf('lp', 6, 'production');
    const hist = await scanOf('lh', 6, 'historical');
    await scanDone(prod.id);
    await waitFor(async () => (await getScan(services.db, hist.id)).status === 'running', { what: 'historical scan sliced' });
    const histSlices = await listSlices(services.db, { scanId: hist.id }, { first: 10, after: null });
    expect(histSlices.map((s) => s.status)).toEqual(['pending']);
    expect(await listExportRows(services.db, { scanId: hist.id }, { first: 10, after: null })).toEqual([]);
    const [production, historical] = await listLaneStates(services.db);
    expect(production).toMatchObject({ paused: false, counts: { queued: 0, processing: 0 } });
    expect(historical).toMatchObject({ paused: true, pausedBy: 'ada', pausedReason: 'paper change', counts: historicalBefore!.counts });
    expect((await printsIn(folder)).filter((key) => key.startsWith('lh-'))).toEqual([]);

    await resumePrintLane(services, 'historical', { actor: 'ada', reason: 'paper in' });
    await scanDone(hist.id);
    expect((await printsIn(folder)).filter((key) => key.startsWith('lh-')).sort()).toEqual(documents('lh', 6).map((d) => d.key).sort());
  });

  it('gives exactly one more cycle for any number of requests made while a cycle runs', async () => {
    const { services } = db();
    const folder = await newPrintFolder();
    // One slice: every row is queued before the first cycle starts, so only our requests ask for more.
    await updateSettings(services, { printSliceSize: 100 }, by);
    const gate = gatedPrinter(folder);
    await startWorker(gate.printer);
    const scan = await scanOf('pend', 40, 'historical');
    await waitFor(async () => (await getPrintGovernor(services.db)).isPrinting, { what: 'a cycle printing' });
    const first = (await getPrintGovernor(services.db)).currentCycle!;
    for (let i = 0; i < 3; i++) expect(await requestPrintCycle(services, { actor: 'ada', reason: `again ${i}` })).toMatchObject({ pending: true, job: null });
    expect((await getPrintGovernor(services.db)).pendingPrintCycle).toBe(true);
    gate.open();
    await scanDone(scan.id);
    const cycles = await waitFor(async () => {
      const jobs = (await listJobs(services.db, { kind: 'print.cycle' }, { first: 50 })).jobs.filter((job) => job.id >= first.id);
      return jobs.length >= 2 && jobs.every((job) => job.status === 'completed') && jobs;
    }, { what: 'both cycles completed' });
    expect(cycles.map((job) => job.id).sort((a, b) => a - b)).toEqual([first.id, expect.any(Number)]);
    expect(cycles).toHaveLength(2);
    expect(await getPrintGovernor(services.db)).toMatchObject({ isPrinting: false, pendingPrintCycle: false });
  });

  it('maintenance asks for no second cycle while a cycle job runs, even one whose governor was force-released', async () => {
    const { services } = db();
    // Chunks of 2 out of 6 rows: while the first chunk prints, rows wait Queued for this cycle.
    await updateSettings(services, { printChunkSize: 2 }, by);
    const gate = gatedPrinter(await newPrintFolder());
    await startWorker(gate.printer);
    await scanOf('held', 6, 'historical');
    await waitFor(async () => (await getPrintGovernor(services.db)).isPrinting, { what: 'a cycle printing' });
    const cycle = (await getPrintGovernor(services.db)).currentCycle!;
    await releaseGovernor(services, 'print', { actor: 'ada', reason: 'test', force: true });
    const report = await runPrintMaintenance(services, { dryRun: false }, { actor: 'print-maintenance', reason: 'schedule' });
    expect(report.findings.map((f) => f.kind)).not.toContain('print.rowsWithoutCycle');
    expect(report.cycleRequested).toBe(false);
    gate.open();
    await waitFor(async () => (await getJob(services.db, cycle.id)).status === 'completed', { what: 'the cycle completed' });
    expect((await listJobs(services.db, { kind: 'print.cycle' }, { first: 50 })).jobs.filter((job) => job.id > cycle.id)).toEqual([]);
  });

  it('prints a document queued by two scans at once only once', async () => {
    const { services } = db();
    await submitDocuments(services, documents('twice', 3, { customer: 'twice' }), by);
    await createScanScope(services, { name: 'twice-a', lane: 'historical', customer: 'twice' }, by);
    await createScanScope(services, { name: 'twice-b', lane: 'production', customer: 'twice' }, by);
    // Both scans snapshot the documents before either enqueues them, then both slices are processed at once.
    const [a, b] = [await startScan(services, 'twice-a', by), await startScan(services, 'twice-b', by)];
    await runScan(services, a.id, by);
    await runScan(services, b.id, by);
    const [sliceA] = await listSlices(services.db, { scanId: a.id }, { first: 1, after: null });
    const [sliceB] = await listSlices(services.db, { scanId: b.id }, { first: 1, after: null });
    await Promise.all([processSlice(services, sliceA!.id, by), processSlice(services, sliceB!.id, by)]);
    const folder = await newPrintFolder();
    await startWorker(scriptedPrinter(folder));
    await scanDone(a.id);
    await scanDone(b.id);
    expect((await printsIn(folder)).sort()).toEqual(['twice-1', 'twice-2', 'twice-3']);
    const rows = await listExportRows(services.db, { documentKey: 'twice-1' }, { first: 10, after: null });
    expect(rows.every((row) => row.status === 'exported')).toBe(true);
    // Queued twice (a race between the two slices on a server), the second row is skipped as printed.
    if (rows.length === 2) expect(rows.map((row) => row.errorMessage)).toContain('already printed: skipped (dedupe)');
  });

  it('caps attempts per row: FailedExport with the error, the rest printed, the tree complete; requeue brings it back', async () => {
    const { services } = db();
    await updateSettings(services, { maxPrintAttempts: 3 }, by);
    const folder = await newPrintFolder();
    const first = await startWorker(scriptedPrinter(folder, { fail: ['cap-2'], transient: { 'cap-3': 1 } }));
    const scan = await scanOf('cap', 4, 'historical');
    await scanDone(scan.id);
    const rows = await listExportRows(services.db, { scanId: scan.id }, { first: 10, after: null });
    expect(rows.map((row) => [row.documentKey, row.status, row.attempts])).toEqual([
      ['cap-1', 'exported', 1],
      ['cap-2', 'failed_export', 3],
      ['cap-3', 'exported', 2],
      ['cap-4', 'exported', 1],
    ]);
    expect(rows[1]!.errorMessage).toBe('printer rejected cap-2: paper jam (attempt 3 of 3)');
    const failed = await listExportRows(services.db, { status: ['failed_export'], errorContains: 'PAPER JAM' }, { first: 10, after: null });
    expect(failed.map((row) => row.documentKey)).toEqual(['cap-2']);

    await first.stop();
    await startWorker(scriptedPrinter(folder));
    const report = await requeueExportRows(services, { scanId: scan.id }, { actor: 'ada', reason: 'jam cleared' });
    expect(report).toEqual({ requeued: 1, batchesReopened: 1, slicesReopened: 1, scansReopened: 1 });
    await scanDone(scan.id);
    expect((await listExportRows(services.db, { documentKey: 'cap-2' }, { first: 1, after: null }))[0]).toMatchObject({ status: 'exported', attempts: 1 });
    expect((await printsIn(folder)).sort()).toEqual(['cap-1', 'cap-2', 'cap-3', 'cap-4']);
  });

  it('stops the cycle on a fatal printer error: a critical alert, the rows Queued again with their attempt given back, the governor free', async () => {
    const { services } = db();
    // The output folder is a file: the folder printer's error is fatal (misconfigured), not the document's.
    const notAFolder = path.join(await newPrintFolder(), 'not-a-folder');
    await writeFile(notAFolder, 'a file where the output folder should be');
    await startWorker(scriptedPrinter(notAFolder));
    const cyclesBefore = (await listJobs(services.db, { kind: 'print.cycle' }, { first: 1 })).jobs[0]?.id ?? 0;
    const scan = await scanOf('fatal', 3, 'historical');
    const alert = await waitFor(async () => (await listAlerts(services.db, { first: 10, open: true })).alerts.find((a) => a.kind === 'print.printerFailed'), {
      what: 'the print.printerFailed alert',
    });
    expect(alert).toMatchObject({ severity: 'critical', targetType: 'governor', targetId: 'print', message: expect.stringMatching(/output folder cannot be created/) });
    await waitFor(() => printPipelineSettled(services.db), { what: 'the print pipeline settled after the fatal error' });
    const cycles = (await listJobs(services.db, { kind: 'print.cycle' }, { first: 50 })).jobs.filter((job) => job.id > cyclesBefore);
    expect(cycles.length).toBeGreaterThan(0);
    expect(cycles.every((job) => job.status === 'failed' && job.lastError?.class === 'fatal')).toBe(true);
    const rows = await listExportRows(services.db, { scanId: scan.id }, { first: 10, after: null });
    expect(rows.map((row) => [row.documentKey, row.status, row.attempts])).toEqual([
      ['fatal-1', 'queued', 0],
      ['fatal-2', 'queued', 0],
      ['fatal-3', 'queued', 0],
    ]);
    expect(await getPrintGovernor(services.db)).toMatchObject({ isPrinting: false, pendingPrintCycle: false });
    expect((await getScan(services.db, scan.id)).status).toBe('running');
    // Its rows would print into the next test's folder: cancelled.
    await cancelScan(services, scan.id, by);
  });

  it('the print-maintenance job (on the schedule a worker makes, beside the production scan schedule) recovers a cycle that made no progress', async () => {
    const { services } = db();
    await ensurePrintSchedules(services);
    await ensurePrintSchedules(services);
    expect(await getSchedule(services.db, 'print-maintenance')).toMatchObject({ kind: MAINTENANCE_KIND, queue: 'print', cron: '*/30 * * * * *' });
    expect(await getSchedule(services.db, 'print-production-scan')).toMatchObject({ kind: PRODUCTION_SCAN_KIND, queue: 'print', cron: '* * * * *' });
    await updateSettings(services, { printStuckAfterMs: 1_000, printChunkSize: 2 }, by);
    const folder = await newPrintFolder();
    await startWorker(scriptedPrinter(folder, { hang: ['stall-1'] }));
    const scan = await scanOf('stall', 3, 'historical');
    await waitFor(async () => (await listExportRows(services.db, { documentKey: 'stall-1', status: ['processing'] }, { first: 1, after: null })).length === 1, {
      what: 'the cycle hanging on stall-1',
    });
    const cycle = (await getPrintGovernor(services.db)).currentCycle!;
    await waitFor(async () => Date.now() - cycle.startedAt!.getTime() > 1_100, { what: 'the cycle without progress past printStuckAfterMs' });
    // What the schedule enqueues every 30 seconds, run now by the same worker.
    const { job } = await enqueueJob(services, { kind: MAINTENANCE_KIND, queue: 'print' }, by);
    const done = await waitFor(async () => {
      const maintenance = await getJob(services.db, job.id);
      return maintenance.status === 'completed' && maintenance;
    }, { what: 'the maintenance job completed' });
    expect(done.result).toMatchObject({ stuckPrinter: true, rowsReset: 2 });
    expect((await waitFor(async () => {
      const stopped = await getJob(services.db, cycle.id);
      return stopped.status !== 'running' && stopped;
    }, { what: 'the stuck cycle stopped' })).status).toBe('cancelled');
    // The same job's maintenance pass may ask for a cycle for stall-3, which then prints.
    await waitFor(() => printPipelineSettled(services.db), { what: 'the print pipeline settled after the recovery' });
    const rows = await listExportRows(services.db, { scanId: scan.id }, { first: 10, after: null });
    expect(rows.slice(0, 2).map((row) => [row.documentKey, row.status, row.errorMessage])).toEqual([
      ['stall-1', 'failed_export', expect.stringMatching(/stopped while printing it/)],
      ['stall-2', 'failed_export', expect.stringMatching(/stopped while printing it/)],
    ]);
    expect(['queued', 'exported']).toContain(rows[2]!.status);
    expect(await getPrintGovernor(services.db)).toMatchObject({ isPrinting: false, pendingPrintCycle: false });
    expect((await printsIn(folder)).filter((key) => key !== 'stall-3')).toEqual([]);
    if ((await getScan(services.db, scan.id)).status === 'running') await cancelScan(services, scan.id, by);
    await updateSettings(services, { printStuckAfterMs: 300_000 }, by);
  });

  it('refuses an oversize document and changes nothing', async () => {
    const { services } = db();
    const before = await listDocuments(services.db, {}, { first: 500, after: null });
    await expect(
      submitDocuments(services, [{ key: 'ok-1', type: 't', customer: 'c', content: 'fine' }, { key: 'big', type: 't', customer: 'c', contentBase64: Buffer.alloc(1024 * 1024 + 10).toString('base64') }], by),
    ).rejects.toMatchObject({ code: 'INVALID_INPUT', issues: [{ path: '1.content', message: 'content must be at most 1048576 bytes' }] });
    expect(await listDocuments(services.db, {}, { first: 500, after: null })).toEqual(before);
  });
});
