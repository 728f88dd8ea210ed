// Job kinds for tests, loaded by in-process workers and by worker processes
// (PRESSROOM_HANDLERS=test/support/handlers.ts). They stand in for real work; the engine
// around them is the real one.
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { FatalError, ItemError, TransientError } from '../../src/worker/errors.ts';
import { defineHandler, type JobHandler } from '../../src/worker/handler.ts';

/** Returns at once. */
export const noop = defineHandler({ kind: 'test.noop', async run() {} });

/** Records when it ran (for overlap checks) after holding the slot for `ms`. */
export const hold = defineHandler({
  kind: 'test.hold',
  payload: z.object({ ms: z.number().int().default(100) }),
  async run(ctx) {
    const startedAt = Date.now();
    // Tells a test the handler itself runs (a claimed job may still wait in the worker's buffer).
    ctx.progress({ percent: 0, message: 'holding' });
    await sleep(ctx.payload.ms, undefined, { signal: ctx.signal });
    return { startedAt, finishedAt: Date.now(), workerId: ctx.job.workerId, pid: process.pid };
  },
});

/**
 * Steps through `steps` checkpoints, `ms` apart, until done; pause and cancel take effect at
 * the next checkpoint. Reports which steps this run executed, so a resumed run shows it did not
 * start again from the beginning. `failOnceAt`: the first attempt throws a transient error there.
 */
export const steps = defineHandler({
  kind: 'test.steps',
  payload: z.object({ steps: z.number().int().default(5), ms: z.number().int().default(50), failOnceAt: z.number().int().optional() }),
  async run(ctx) {
    const last = ctx.lastCheckpoint?.data as { step: number } | undefined;
    const executed: number[] = [];
    for (let step = (last?.step ?? 0) + 1; step <= ctx.payload.steps; step++) {
      await sleep(ctx.payload.ms, undefined, { signal: ctx.signal });
      if (ctx.payload.failOnceAt === step && ctx.job.attempts === 1) throw new TransientError(`step ${step} failed`, 0);
      executed.push(step);
      ctx.progress({ percent: (100 * step) / ctx.payload.steps, stage: `step-${step}` });
      await ctx.checkpoint('step', { step });
    }
    return { executed, attempt: ctx.job.attempts, resumeCount: ctx.job.resumeCount };
  },
});

/** Named stages; the result tells which stages this run executed. */
export const staged = defineHandler({
  kind: 'test.staged',
  stages: ['a', 'b', 'c'],
  payload: z.object({ failInStageBOnFirstAttempt: z.boolean().default(false) }),
  async run(ctx) {
    const executed: string[] = [];
    const a = await ctx.stage('a', async () => (executed.push('a'), { value: 1 }));
    const b = await ctx.stage('b', async () => {
      executed.push('b');
      if (ctx.payload.failInStageBOnFirstAttempt && ctx.job.attempts === 1) throw new TransientError('b failed', 0);
      return { value: a.value + 1 };
    });
    const c = await ctx.stage('c', async () => (executed.push('c'), { value: b.value + 1 }));
    return { executed, value: c.value };
  },
});

/** Fails the way the payload says. */
export const failing = defineHandler({
  kind: 'test.fail',
  payload: z.object({ errorClass: z.enum(['fatal', 'transient', 'plain']), retryAfterMs: z.number().int().optional(), succeedOnAttempt: z.number().int().optional() }),
  async run(ctx) {
    if (ctx.payload.succeedOnAttempt === ctx.job.attempts) return { succeededOnAttempt: ctx.job.attempts };
    if (ctx.payload.errorClass === 'fatal') throw new FatalError('misconfigured: no API key');
    if (ctx.payload.errorClass === 'transient') throw new TransientError('rate limited', ctx.payload.retryAfterMs);
    throw new Error('something broke');
  },
});

/** Processes items; an item whose key starts with `bad` fails. */
export const items = defineHandler({
  kind: 'test.items',
  async run(ctx) {
    const seen: string[] = [];
    const counts = await ctx.items(async (item) => {
      seen.push(item.key);
      if (item.key.startsWith('bad')) throw new ItemError(`cannot process ${item.key}`);
    });
    return { ...counts, seen };
  },
});

/**
 * Waits (checkpointing every `ms`) until the attempt number reaches `completeOnAttempt`, then
 * completes: a worker killed during an earlier attempt leaves it to the next one.
 */
export const waitForRecovery = defineHandler({
  kind: 'test.crashable',
  payload: z.object({ completeOnAttempt: z.number().int().default(2), ms: z.number().int().default(50) }),
  async run(ctx) {
    while (ctx.job.attempts < ctx.payload.completeOnAttempt) {
      await sleep(ctx.payload.ms, undefined, { signal: ctx.signal });
      await ctx.checkpoint('waiting', { attempt: ctx.job.attempts });
    }
    return { completedOnAttempt: ctx.job.attempts, pid: process.pid };
  },
});

/**
 * Four stages whose code ignores the abort signal. `holdIn`: that stage waits until the run is
 * asked to stop (its signal aborts), then finishes its work anyway; with `honourSignal` it stops
 * there instead (interrupted before its checkpoint). `failFatallyIn`: that stage fails in run 1.
 * Each stage's result says which run executed it; the result, which stages this run executed.
 */
export const fourStages = defineHandler({
  kind: 'test.fourStages',
  stages: ['s1', 's2', 's3', 's4'],
  payload: z.object({ holdIn: z.string().optional(), honourSignal: z.boolean().default(false), failFatallyIn: z.string().optional() }),
  async run(ctx) {
    const executed: string[] = [];
    const ranIn: Record<string, number> = {};
    for (const name of ['s1', 's2', 's3', 's4']) {
      const result = await ctx.stage(name, async () => {
        executed.push(name);
        if (ctx.payload.failFatallyIn === name && ctx.job.runs === 1) throw new FatalError(`${name} broke`);
        if (ctx.payload.holdIn === name) {
          if (ctx.payload.honourSignal) await sleep(60_000, undefined, { signal: ctx.signal });
          else while (!ctx.signal.aborted) await sleep(10);
        }
        return { run: ctx.job.runs };
      });
      ranIn[name] = result.run;
    }
    return { executed, ranIn };
  },
});

/**
 * Works `steps` steps of `ms` each, never looking at its signal; after each step it reports
 * through one context call (`report`), so only that call can stop it. `returns`: reports once,
 * then waits for its signal without another context call and returns a result as if done.
 */
export const ignoresSignal = defineHandler({
  kind: 'test.ignoresSignal',
  payload: z.object({ report: z.enum(['progress', 'checkpoint', 'stage', 'item', 'returns']), steps: z.number().int().default(400), ms: z.number().int().default(25) }),
  async run(ctx) {
    const { report, steps, ms } = ctx.payload;
    let done = 0;
    if (report === 'returns') {
      ctx.progress({ percent: 0, message: 'waiting for a stop' });
      while (!ctx.signal.aborted) await sleep(ms);
      return { done: steps };
    }
    const step = async () => {
      await sleep(ms);
      done++;
    };
    if (report === 'item') {
      await ctx.items(step);
      return { done };
    }
    for (let i = 1; i <= steps; i++) {
      if (report === 'stage') await ctx.stage(`step-${i}`, step);
      else await step();
      if (report === 'progress') ctx.progress({ percent: (100 * i) / steps });
      if (report === 'checkpoint') await ctx.checkpoint('step', { step: i });
    }
    return { done };
  },
});

export const handlers: JobHandler<any>[] = [noop, hold, steps, staged, failing, items, waitForRecovery, fourStages, ignoresSignal];

/**
 * Kinds tests enqueue only to watch jobs wait, be cancelled, retried or listed: known to the test
 * services' kind registry (so enqueue accepts them, any payload), run by no test worker.
 */
export const waitingKinds: string[] = [
  ...['auth', 'auth.read', 'big', 'bulk', 'clear', 'control', 'delete', 'examples', 'filter.a', 'filter.b', 'find', 'history', 'items', 'lane', 'node', 'page', 'retry', 'stats'].map(
    (name) => `api.${name}`,
  ),
  ...['catchup', 'doomed', 'every5', 'hourly', 'morning', 'nightly', 'pausable', 'x', 'y'].map((name) => `report.${name}`),
  'api.nplusone',
  ...['after', 'before', 'elsewhere', 'own'].map((name) => `settings.${name}`),
  'document.render',
  'ok',
  'sched.every',
  'stuck_queued',
  'stuck_running',
  'sup.test',
];
