// The print governor as the seed names it (IsPrinting, PendingPrintCycle, LastPrintScheduleUtc),
// read from the engine governor `print` and the cycle job holding it.
import type { Db } from '../../db/client.ts';
import { getGovernor } from '../engine/governors.ts';
import { getJob } from '../engine/jobs/read.ts';
import type { Job } from '../engine/types.ts';
import { NotFoundError } from '../errors.ts';
import { PRINT_GOVERNOR } from './model.ts';

export interface PrintGovernorState {
  isPrinting: boolean;
  pendingPrintCycle: boolean;
  lastPrintScheduleAt: Date | null;
  holder: string | null;
  leaseExpiresAt: Date | null;
  /** The cycle job holding the governor, if a job holds it. */
  currentCycle: Job | null;
}

export async function getPrintGovernor(db: Db): Promise<PrintGovernorState> {
  const governor = await getGovernor(db, PRINT_GOVERNOR).catch((error: unknown) => {
    if (error instanceof NotFoundError) return null;
    throw error;
  });
  if (!governor) return { isPrinting: false, pendingPrintCycle: false, lastPrintScheduleAt: null, holder: null, leaseExpiresAt: null, currentCycle: null };
  const currentCycle = governor.holderJobId !== null ? await getJob(db, governor.holderJobId).catch(() => null) : null;
  return {
    isPrinting: governor.holder !== null,
    pendingPrintCycle: governor.pending,
    lastPrintScheduleAt: governor.lastScheduledAt,
    holder: governor.holder,
    leaseExpiresAt: governor.leaseExpiresAt,
    currentCycle,
  };
}
