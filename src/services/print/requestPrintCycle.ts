// The seed's notifyBatchReady: a print cycle now, or, while one runs, the print governor's
// pending flag (and last scheduled time), which yields exactly one more cycle after it. This and
// recovery are the only paths that touch the governor: nothing sets IsPrinting or the pending flag by hand.
import type { ServiceContext } from '../context.ts';
import { requestGovernorRun, type RunRequestOutcome } from '../engine/governors.ts';
import type { Actor } from '../engine/types.ts';
import { PRINT_GOVERNOR, PRINT_QUEUE } from './model.ts';

export const PRINT_CYCLE_KIND = 'print.cycle';

export function requestPrintCycle(ctx: ServiceContext, by: Actor): Promise<RunRequestOutcome> {
  return requestGovernorRun(ctx, PRINT_GOVERNOR, { kind: PRINT_CYCLE_KIND, queue: PRINT_QUEUE }, by);
}
