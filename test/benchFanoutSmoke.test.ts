// The live fan-out benchmark at a tiny size: checks that its code still runs end to end (API,
// worker and client processes, Redis, a database of its own) and loses nothing. Server mode only:
// the bench runs `pressroom serve` and `pressroom worker` processes on a PostgreSQL server.
import { expect, test } from 'vitest';
import { runFanoutBench } from '../bench/fanout/index.ts';
import { serverMode } from './support/db.ts';

test.runIf(serverMode && process.env.REDIS_URL)('the fan-out bench delivers every progress report to 20 subscribers', async () => {
  const lines: string[] = [];
  const { results, consoleLines, markdown } = await runFanoutBench({
    sizes: [20],
    databaseUrl: process.env.DATABASE_URL!,
    redisUrl: process.env.REDIS_URL!,
    clientProcesses: 2,
    jobs: 2,
    eventsPerJob: 5,
    intervalMs: 100,
    log: (line) => lines.push(line),
  });
  const [result] = results;
  expect(result!.errors).toEqual([]);
  // 2 jobs × 5 reports; a worker coalesces reports made while its last one is still being written
  // (a busy machine), so some may never be published, but each job's last one always is.
  expect(result!.published).toBeGreaterThanOrEqual(2);
  expect(result!.published).toBeLessThanOrEqual(10);
  // Each of the 20 subscribers follows one of the 2 jobs and catches up with its last report. On a
  // busy machine a report may be superseded by the next before a subscription reads the job (it
  // sends the job as it is): fewer than all 100 are delivered, and none is lost.
  // Each subscriber is due the published reports of its job after its snapshot: 10 subscribers a job.
  expect(result!.expected).toBeGreaterThan(0);
  expect(result!.expected).toBeLessThanOrEqual(10 * result!.published);
  expect(result!.delivered).toBeGreaterThan(0);
  expect(result!.delivered).toBeLessThanOrEqual(result!.expected);
  expect(result!.lost).toBe(0);
  expect(Number.isFinite(result!.latency.p99)).toBe(true);
  expect(Number.isFinite(result!.rssPerIdleSubscriberBytes)).toBe(true);
  expect(consoleLines[0]).toContain('latency p99');
  expect(markdown).toContain('## Live fan-out');
  expect(lines).toContain('fan-out: 20 subscribers');
}, 180_000);
