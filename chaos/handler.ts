// The reliability suite's job kind, loaded by its worker processes (PRESSROOM_HANDLERS): works
// for `ms`, then records its side effect (one row per finished run, in a table of the suite's own,
// written on a connection of its own) so that a run finished twice is seen, whatever the engine says.
import { setTimeout as sleep } from 'node:timers/promises';
import postgres from 'postgres';
import { z } from 'zod';
import { defineHandler, type JobHandler } from '../src/worker/handler.ts';

export const CHAOS_KIND = 'chaos.effect';

let effects: postgres.Sql | null = null;
const effectsDb = () => (effects ??= postgres(process.env.CHAOS_EFFECTS_URL ?? process.env.DATABASE_URL!, { max: 2, onnotice: () => {} }));

export const chaosEffect = defineHandler({
  kind: CHAOS_KIND,
  payload: z.object({ ms: z.number().int().nonnegative().default(0) }),
  async run(ctx) {
    await sleep(ctx.payload.ms, undefined, { signal: ctx.signal });
    await effectsDb()`insert into chaos_effects (job_id, attempt, pid) values (${ctx.job.id}, ${ctx.job.attempts}, ${process.pid})`;
    return { pid: process.pid };
  },
});

export const handlers: JobHandler<any>[] = [chaosEffect];
