// The print pipeline across real `pressroom worker` processes (server mode only): a worker killed
// mid-cycle and the stuck-printer recovery after it; two workers never printing at once.
import { afterEach, describe, expect, it, onTestFailed } from 'vitest';
import { getJob, listJobs } from '../src/services/index.ts';
import { updateSettings } from '../src/services/engine/runtimeSettings.ts';
import { submitDocuments } from '../src/services/print/documents.ts';
import { getPrintGovernor } from '../src/services/print/printGovernor.ts';
import { getScan, listExportRows } from '../src/services/print/reads.ts';
import { requestPrintCycle } from '../src/services/print/requestPrintCycle.ts';
import { startScan } from '../src/services/print/scans.ts';
import { createScanScope } from '../src/services/print/scopes.ts';
import type { PrinterScript } from '../src/services/print/printers/index.ts';
import { serverMode, useTestDatabase } from './support/db.ts';
import { useLocalApi } from './support/localApi.ts';
import { maxOverlap } from './support/overlap.ts';
import { documents, newPrintFolder, printPipelineSettled, printsIn } from './support/print.ts';
import { waitFor } from './support/wait.ts';
import { spawnWorkerProcess, type WorkerProcess } from './support/workers.ts';

const by = { actor: 'test', reason: 'print processes' };

describe.runIf(serverMode)('print cycles in worker processes', () => {
  const db = useTestDatabase();
  const { gql } = useLocalApi(db);
  const processes: WorkerProcess[] = [];

  afterEach(async () => {
    // A cycle still running when its worker is killed would be recovered into the next test (which
    // shares this database) and print that test's rows as a cycle it did not ask for.
    const alive = processes.filter((p) => p.child.exitCode === null && p.child.signalCode === null);
    if (alive.length > 0) {
      await waitFor(() => printPipelineSettled(db().services.db), { what: 'the print pipeline settled before the workers are stopped' }).catch((error: unknown) =>
        console.warn(String(error)),
      );
    }
    await Promise.all(processes.splice(0).map((p) => p.stop('SIGKILL')));
  });

  async function startPrintWorker(folder: string, script: PrinterScript): Promise<WorkerProcess> {
    const worker = spawnWorkerProcess(db(), {
      PRESSROOM_WORKER_QUEUES: 'print,print-production,print-historical',
      PRESSROOM_PRINTER: 'scripted',
      PRESSROOM_PRINT_DIR: folder,
      PRESSROOM_PRINTER_SCRIPT: JSON.stringify(script),
    });
    processes.push(worker);
    onTestFailed(() => console.warn(`output of worker process ${worker.child.pid}:\n${worker.output().slice(-5_000)}`));
    await worker.waitForOutput(/worker started/);
    return worker;
  }

  async function scanOf(prefix: string, n: number) {
    const { services } = db();
    await submitDocuments(services, documents(prefix, n, { customer: prefix }), by);
    await createScanScope(services, { name: prefix, lane: 'historical', customer: prefix }, by);
    return startScan(services, prefix, by);
  }

  const duplicates = (keys: string[]) => keys.filter((key, index) => keys.indexOf(key) !== index);

  it('after a worker is killed mid-cycle, stuck detection resets its rows and clears the governor; nothing is printed twice', async () => {
    const { services } = db();
    await updateSettings(services, { printChunkSize: 5, printSliceSize: 100 }, by);
    const folder = await newPrintFolder();
    // The printer hangs on kill-2 and kill-20…29: once the cycle reaches one of them, its chunk
    // stays processing until the kill, whatever the machine's speed.
    const first = await startPrintWorker(folder, { delayMs: 20, hang: ['kill-2*'] });
    const scan = await scanOf('kill', 40);
    await waitFor(
      async () => {
        const processing = await listExportRows(services.db, { scanId: scan.id, status: ['processing'] }, { first: 50, after: null });
        return processing.some((row) => row.documentKey.startsWith('kill-2'));
      },
      { what: 'the cycle hanging on a kill-2* document', timeoutMs: 20_000 },
    );
    const cycle = (await getPrintGovernor(services.db)).currentCycle!;
    expect(cycle.status).toBe('running');
    first.child.kill('SIGKILL');
    await first.exited;
    // Nothing else supervises: the cycle stays "running" until its lease runs out.
    await waitFor(async () => (await getJob(services.db, cycle.id)).leaseExpiresAt! < new Date(), { what: 'the dead cycle lease expired' });
    const processing = await listExportRows(services.db, { scanId: scan.id, status: ['processing'] }, { first: 50, after: null });
    expect(processing.length).toBeGreaterThan(0);

    const { detectStuckPrinter: report } = await gql(`mutation { detectStuckPrinter(reason: "worker killed") {
      __typename ... on StuckPrinterReport { stuck reason rowsReset governorReleased cycle { databaseId status } } } }`);
    expect(report).toMatchObject({ stuck: true, rowsReset: processing.length, governorReleased: true, cycle: { databaseId: cycle.id, status: 'cancelled' } });
    expect(report.reason).toMatch(/stopped renewing its lease/);
    expect(await getPrintGovernor(services.db)).toMatchObject({ isPrinting: false, pendingPrintCycle: false });
    const reset = await listExportRows(services.db, { scanId: scan.id, status: ['failed_export'] }, { first: 50, after: null });
    expect(reset.map((row) => row.id).sort()).toEqual(processing.map((row) => row.id).sort());
    expect(await listExportRows(services.db, { scanId: scan.id, status: ['processing'] }, { first: 50, after: null })).toEqual([]);

    await startPrintWorker(folder, {});
    await requestPrintCycle(services, by);
    await waitFor(async () => (await listExportRows(services.db, { scanId: scan.id, status: ['queued', 'processing'] }, { first: 1, after: null })).length === 0, {
      what: 'the remaining rows printed',
      timeoutMs: 20_000,
    });
    const prints = await printsIn(folder);
    expect(duplicates(prints)).toEqual([]);
    const exported = await listExportRows(services.db, { scanId: scan.id, status: ['exported'] }, { first: 50, after: null });
    expect(exported.length + reset.length).toBe(40);
    // The scan is complete: a row reset by recovery is done (failed), as the seed's reset leaves it.
    expect((await getScan(services.db, scan.id)).status).toBe('completed');
  });

  it('never runs two print cycles at once across two worker processes', async () => {
    const { services } = db();
    await updateSettings(services, { printChunkSize: 4, printSliceSize: 6 }, by);
    const folder = await newPrintFolder();
    await Promise.all([startPrintWorker(folder, { delayMs: 5 }), startPrintWorker(folder, { delayMs: 5 })]);
    const before = (await listJobs(services.db, { kind: 'print.cycle' }, { first: 1 })).jobs[0]?.id ?? 0;
    const scan = await scanOf('two', 48);
    // Cycles asked for all along, as slices and operators do: each waits for the governor.
    await waitFor(
      async () => {
        await requestPrintCycle(services, by);
        return (await getScan(services.db, scan.id)).status === 'completed';
      },
      { what: 'scan completed', timeoutMs: 25_000, intervalMs: 50 },
    );
    const cycles = await waitFor(async () => {
      const governor = await getPrintGovernor(services.db);
      const jobs = (await listJobs(services.db, { kind: 'print.cycle' }, { first: 100 })).jobs.filter((job) => job.id > before);
      // Requests kept coming while cycles ran: at least one more cycle followed the first.
      return jobs.length > 1 && !governor.isPrinting && !governor.pendingPrintCycle && jobs.every((job) => job.status === 'completed') && jobs;
    }, { what: 'cycles finished', timeoutMs: 25_000 });
    expect(new Set(cycles.map((job) => job.workerId)).size).toBeGreaterThanOrEqual(1);
    expect(maxOverlap(cycles.map((job) => ({ startedAt: job.startedAt!.getTime(), finishedAt: job.finishedAt!.getTime() })))).toBe(1);
    const prints = await printsIn(folder);
    expect(duplicates(prints)).toEqual([]);
    expect(prints.filter((key) => key.startsWith('two-'))).toHaveLength(48);
  });
});
