// The print pipeline's other job kinds: each hands its work to a service.
import { z } from 'zod';
import { detectStuckPrinter } from '../../services/print/detectStuckPrinter.ts';
import { startProductionScans } from '../../services/print/productionScans.ts';
import { MAINTENANCE_KIND, PRODUCTION_SCAN_KIND } from '../../services/print/printSchedules.ts';
import { runPrintMaintenance } from '../../services/print/runPrintMaintenance.ts';
import { runScan, SCAN_KIND, SLICE_KIND } from '../../services/print/scans.ts';
import { processSlice } from '../../services/print/slices.ts';
import { TransientError } from '../../worker/errors.ts';
import { defineHandler } from '../../worker/handler.ts';

const actorOf = (job: { workerId: string | null; id: number }) => ({ actor: job.workerId ?? 'worker', reason: `job ${job.id}` });

/** Snapshots a scan's documents into slices and enqueues a job per slice. */
export const scanJob = defineHandler({
  kind: SCAN_KIND,
  payload: z.object({ scanId: z.number().int().positive() }).strict(),
  async run(ctx) {
    const scan = await runScan(ctx.services, ctx.payload.scanId, actorOf(ctx.job));
    return { scanId: scan.id, status: scan.status, documents: scan.documentsTotal, slices: scan.slicesTotal };
  },
});

/** Creates a slice's batches and lane rows; a slice of a paused lane waits for the lane. */
export const sliceJob = defineHandler({
  kind: SLICE_KIND,
  payload: z.object({ sliceId: z.number().int().positive() }).strict(),
  async run(ctx) {
    const outcome = await processSlice(ctx.services, ctx.payload.sliceId, actorOf(ctx.job));
    if (outcome.deferred) throw new TransientError(`the ${outcome.slice.lane} lane is paused: slice ${outcome.slice.id} waits`, 5_000);
    return { sliceId: outcome.slice.id, status: outcome.slice.status, rows: outcome.rows };
  },
});

/** Stuck printer recovery and print maintenance (alerts, retention purge), on the print-maintenance schedule. */
export const maintenanceJob = defineHandler({
  kind: MAINTENANCE_KIND,
  payload: z.object({}).strict(),
  async run(ctx) {
    const by = { actor: 'print-maintenance', reason: `job ${ctx.job.id}` };
    const printer = await detectStuckPrinter(ctx.services, { dryRun: false, quietWhenHealthy: true }, by);
    const maintenance = await runPrintMaintenance(ctx.services, { dryRun: false, quietWhenHealthy: true }, by);
    return { stuckPrinter: printer.stuck, rowsReset: printer.rowsReset, findings: maintenance.findings.length, cycleRequested: maintenance.cycleRequested, purged: maintenance.purged };
  },
});

/** The production lane's recurring scan. */
export const productionScanJob = defineHandler({
  kind: PRODUCTION_SCAN_KIND,
  payload: z.object({}).strict(),
  async run(ctx) {
    const started = await startProductionScans(ctx.services, actorOf(ctx.job));
    return { scansStarted: started.map((scan) => scan.id) };
  },
});
