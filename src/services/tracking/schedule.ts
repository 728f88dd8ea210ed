// The processing schedule: the schedule `tracking-process` fires the kind tracking.schedule on
// the runtime setting trackingProcessCron (every minute by default), which asks for a run of each
// source. Kept in line with the setting when a process opens and whenever the setting changes.
import type { ServiceContext } from '../context.ts';
import { createSchedule, deleteSchedule, getSchedule } from '../engine/schedules.ts';
import { InvalidInputError, NotFoundError } from '../errors.ts';
import { TRACKING_QUEUE } from './runs.ts';

export const SCHEDULE_NAME = 'tracking-process';
export const SCHEDULE_KIND = 'tracking.schedule';
const BY = { actor: 'tracking', reason: 'runtime setting trackingProcessCron' };

export async function syncTrackingSchedule(ctx: ServiceContext, cron = ctx.settings.trackingProcessCron): Promise<void> {
  const existing = await getSchedule(ctx.db, SCHEDULE_NAME).catch((error) => {
    if (error instanceof NotFoundError) return null;
    throw error;
  });
  if (existing?.cron === cron) return;
  const ignoreRace = (error: unknown) => {
    // Another process made the same change at the same moment.
    if (!(error instanceof NotFoundError) && !(error instanceof InvalidInputError)) throw error;
  };
  if (existing) await deleteSchedule(ctx, SCHEDULE_NAME, BY).catch(ignoreRace);
  await createSchedule(ctx, { name: SCHEDULE_NAME, cron, kind: SCHEDULE_KIND, queue: TRACKING_QUEUE }, BY).catch(ignoreRace);
}

/** Syncs now and after every change of the setting; returns a function that stops following it. */
export async function followTrackingSchedule(ctx: ServiceContext): Promise<() => void> {
  await syncTrackingSchedule(ctx);
  return ctx.bus.subscribe('settings:updated', ({ settings }) => {
    syncTrackingSchedule(ctx, settings.trackingProcessCron).catch((error) => ctx.log.warn({ err: error }, 'could not update the tracking schedule'));
  });
}
