// The print pipeline in tests: a worker with the print job kinds printing through the scripted
// printer into a folder of the test's own, and the prints it made (the printer's prints.log).
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { afterEach } from 'vitest';
import { query, type Database, type Db } from '../../src/db/client.ts';
import { engineHandlers } from '../../src/handlers/index.ts';
import { createPrintHandlers } from '../../src/handlers/print/index.ts';
import type { ServiceContext } from '../../src/services/context.ts';
import { getPrintGovernor } from '../../src/services/print/printGovernor.ts';
import { getScan } from '../../src/services/print/reads.ts';
import { createScriptedPrinter, type PrinterScript } from '../../src/services/print/printers/index.ts';
import type { Printer } from '../../src/services/print/printers/printer.ts';
import { createRegistry } from '../../src/worker/handler.ts';
import type { Worker, WorkerOptions } from '../../src/worker/worker.ts';
import type { TestDatabase } from './db.ts';
import { handlers } from './handlers.ts';
import { waitFor } from './wait.ts';
import { startTestWorker } from './workers.ts';

export const newPrintFolder = () => mkdtemp(path.join(tmpdir(), 'pressroom-print-'));

/** Waits (up to 30 s) for the scan to complete; returns it. */
export const scanCompleted = (db: Db, id: number) =>
  waitFor(
    async () => {
      const scan = await getScan(db, id);
      return scan.status === 'completed' && scan;
    },
    { what: `scan ${id} completed`, timeoutMs: 30_000 },
  );

/** Every print the scripted printer made in `folder`, in order (one key a line). */
export async function printsIn(folder: string): Promise<string[]> {
  const log = await readFile(path.join(folder, 'prints.log'), 'utf8').catch(() => '');
  return log.split('\n').filter(Boolean);
}

export function startPrintWorker(
  services: ServiceContext,
  database: Pick<Database, 'listen'>,
  printer: Printer,
  options: Partial<Omit<WorkerOptions, 'services' | 'database' | 'handlers'>> = {},
): Promise<Worker> {
  return startTestWorker(services, database, { handlers: createRegistry([...engineHandlers, ...handlers, ...createPrintHandlers(() => printer)]), ...options });
}

/**
 * Print workers a test starts with its printer (`start(printer)`); after each test, once the
 * pipeline has settled (printPipelineSettled), they are stopped.
 */
export function usePrintWorkers(db: () => TestDatabase): (printer: Printer) => Promise<Worker> {
  const workers: Worker[] = [];
  afterEach(async () => {
    if (workers.length > 0) await waitFor(() => printPipelineSettled(db().services.db), { what: 'the print pipeline settled (no print job due or running, governor idle)' });
    await Promise.all(workers.splice(0).map((worker) => worker.stop()));
  });
  return async (printer) => {
    const worker = await startPrintWorker(db().services, db().database, printer);
    workers.push(worker);
    return worker;
  };
}

/**
 * The print pipeline settled: the governor held by no cycle and none pending, and no print job
 * (scan, slice, cycle) running or due — a pending cycle becomes a queued job as the governor is let
 * go, before a worker claims it and prints again. Tests of one file share a database, so a test
 * also waits for this before it stops its worker: a cycle it caused would otherwise be claimed by
 * the next test's worker and print into that test's folder.
 */
export async function printPipelineSettled(db: Db): Promise<boolean> {
  const governor = await getPrintGovernor(db);
  if (governor.isPrinting || governor.pendingPrintCycle) return false;
  const [live] = await query<{ n: number }>(
    db,
    sql`select count(*)::int as n from jobs where kind like 'print.%' and (status = 'running' or (status = 'queued' and run_at <= now()))`,
  );
  return live!.n === 0;
}

export const scriptedPrinter = (folder: string, script: PrinterScript = {}) => createScriptedPrinter(folder, script);

/** The scripted printer behind a gate: every print waits until the test opens it, so a cycle is
 * surely running (holding the governor) for as long as the test needs, however busy the machine. */
export function gatedPrinter(folder: string, script: PrinterScript = {}): { printer: Printer; open(): void } {
  const inner = createScriptedPrinter(folder, script);
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return {
    printer: {
      async print(document, signal) {
        await opened;
        await inner.print(document, signal);
      },
    },
    open,
  };
}

/** Documents key-1…key-n of one type and customer, with small inline content. */
export const documents = (prefix: string, n: number, extra: { type?: string; customer?: string } = {}) =>
  Array.from({ length: n }, (_, i) => ({ key: `${prefix}-${i + 1}`, type: extra.type ?? 'invoice', customer: extra.customer ?? 'acme', content: `document ${prefix}-${i + 1}` }));
