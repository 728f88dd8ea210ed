// The print pipeline's recurring jobs, on the engine's schedules, created when a worker starts
// (idempotently: a schedule that exists is left as it is, so an operator's changes stand):
// print maintenance (stuck printer, stuck scans and slices, rows without a cycle) and the
// production lane's recurring scan.
import type { ServiceContext } from '../context.ts';
import { createSchedule, getSchedule } from '../engine/schedules.ts';
import { InvalidInputError, NotFoundError } from '../errors.ts';
import { PRINT_QUEUE } from './model.ts';

export const MAINTENANCE_KIND = 'print.maintenance';
export const PRODUCTION_SCAN_KIND = 'print.productionScan';

export interface PrintScheduleOptions {
  maintenanceCron?: string;
  productionScanCron?: string;
}

export async function ensurePrintSchedules(ctx: ServiceContext, options: PrintScheduleOptions = {}): Promise<void> {
  const wanted = [
    { name: 'print-maintenance', cron: options.maintenanceCron ?? '*/30 * * * * *', kind: MAINTENANCE_KIND },
    { name: 'print-production-scan', cron: options.productionScanCron ?? '* * * * *', kind: PRODUCTION_SCAN_KIND },
  ];
  for (const schedule of wanted) {
    const exists = await getSchedule(ctx.db, schedule.name).then(
      () => true,
      (error: unknown) => {
        if (error instanceof NotFoundError) return false;
        throw error;
      },
    );
    if (exists) continue;
    await createSchedule(ctx, { ...schedule, queue: PRINT_QUEUE }, { actor: 'print', reason: 'print pipeline schedules' }).catch((error: unknown) => {
      // Another process created it meanwhile.
      if (!(error instanceof InvalidInputError)) throw error;
    });
  }
}
