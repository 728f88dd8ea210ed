// Production tracking's job kinds. tracking.process runs under its source's governor (one
// processor per source, on any worker); tracking.schedule, fired by the schedule, asks for a
// run of each source.
import { z } from 'zod';
import { defineHandler } from '../../worker/handler.ts';
import { processPending } from '../../services/tracking/processor.ts';
import { PROCESS_KIND, requestTrackingRun } from '../../services/tracking/runs.ts';
import { SCHEDULE_KIND } from '../../services/tracking/schedule.ts';
import { TRACKING_SOURCES } from '../../services/tracking/types.ts';

export const trackingProcess = defineHandler({
  kind: PROCESS_KIND,
  payload: z.object({ source: z.enum(TRACKING_SOURCES) }).strict(),
  async run(ctx) {
    const outcome = await processPending(ctx.services, ctx.payload.source, { signal: ctx.signal });
    ctx.log.info(outcome, 'tracking records processed');
    return { ...outcome };
  },
});

export const trackingSchedule = defineHandler({
  kind: SCHEDULE_KIND,
  payload: z.object({}).strict(),
  async run(ctx) {
    for (const source of TRACKING_SOURCES) await requestTrackingRun(ctx.services, source, { actor: `job:${ctx.job.runId}`, reason: 'schedule' });
  },
});

export const trackingHandlers = [trackingProcess, trackingSchedule];
