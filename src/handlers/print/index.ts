// The print pipeline's job kinds. The cycle prints through `printer`, asked for when it first prints.
import type { Printer } from '../../services/print/printers/printer.ts';
import type { JobHandler } from '../../worker/handler.ts';
import { createPrintCycleHandler } from './cycle.ts';
import { maintenanceJob, productionScanJob, scanJob, sliceJob } from './pipelineJobs.ts';

export function createPrintHandlers(printer: () => Printer): JobHandler<any>[] {
  return [createPrintCycleHandler(printer), scanJob, sliceJob, maintenanceJob, productionScanJob];
}
