// The seed's healPrintLocks / ensureGovernorNotStuck: releases the print governor when no cycle is
// active (its holder is not a running job with a live lease). A pending cycle then starts.
import type { ServiceContext } from '../context.ts';
import { releaseGovernor } from '../engine/governors.ts';
import type { Actor } from '../engine/types.ts';
import { PRINT_GOVERNOR } from './model.ts';
import { getPrintGovernor, type PrintGovernorState } from './printGovernor.ts';

export interface HealReport {
  released: boolean;
  reason: string;
  governor: PrintGovernorState;
}

export async function healPrintLocks(ctx: ServiceContext, by: Actor): Promise<HealReport> {
  const before = await getPrintGovernor(ctx.db);
  const cycle = before.currentCycle;
  if (before.holder === null) return { released: false, reason: 'the print governor is free', governor: before };
  if (cycle?.status === 'running' && cycle.leaseExpiresAt && cycle.leaseExpiresAt > new Date()) {
    return { released: false, reason: `print cycle job ${cycle.id} is active: use detectStuckPrinter if it makes no progress`, governor: before };
  }
  await releaseGovernor(ctx, PRINT_GOVERNOR, { actor: by.actor, reason: by.reason ?? `no active print cycle holds it (holder ${before.holder})`, force: true });
  return { released: true, reason: `released from ${before.holder}: no active print cycle held it`, governor: await getPrintGovernor(ctx.db) };
}
