// The fan-out bench's job kind, loaded by the bench's worker process (PRESSROOM_HANDLERS): it
// reports progress `events` times on a fixed schedule, each report marked with its sequence
// number and the moment it was sent, so that clients can tell latency and gaps.
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { defineHandler, type JobHandler } from '../../src/worker/handler.ts';
import { encodeMark, wallClock } from './mark.ts';

export const FANOUT_KIND = 'bench.fanout';

export const fanoutProgress = defineHandler({
  kind: FANOUT_KIND,
  payload: z.object({
    events: z.number().int().positive(),
    intervalMs: z.number().int().positive(),
    /** Where in the interval this job reports, so that the jobs together publish at a steady rate. */
    offsetMs: z.number().int().nonnegative(),
  }),
  async run(ctx) {
    const { events, intervalMs, offsetMs } = ctx.payload;
    const start = wallClock() + offsetMs;
    for (let seq = 1; seq <= events; seq++) {
      // The schedule is fixed: a late report does not push the next ones back.
      await sleep(Math.max(0, start + seq * intervalMs - wallClock()), undefined, { signal: ctx.signal });
      ctx.progress({ percent: (100 * seq) / events, message: encodeMark({ seq, sentAt: wallClock() }) });
    }
  },
});

export const handlers: JobHandler<any>[] = [fanoutProgress];
