// The dashboard bench at a tiny size: its load, its Chromium page timings and its statement count
// with dashboards open still run. Server mode only (the loader fills a PostgreSQL database of its own).
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { afterAll, expect, test } from 'vitest';
import { runDashboardBench } from '../bench/dashboard/index.ts';
import { serverMode } from './support/db.ts';

const database = `pressroom_bench_dash_t_${randomBytes(4).toString('hex')}`;

afterAll(async () => {
  if (!serverMode) return;
  const admin = postgres(process.env.DATABASE_URL!, { max: 1, onnotice: () => {} });
  await admin.unsafe(`drop database if exists ${database} with (force)`);
  await admin.end();
});

test.skipIf(!serverMode)('the dashboard bench shows each page in Chromium and counts statements with dashboards open', { timeout: 240_000 }, async () => {
  const lines: string[] = [];
  const { markdown } = await runDashboardBench({
    databaseUrl: process.env.DATABASE_URL!,
    redisUrl: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    database,
    jobs: 1_000,
    dashboards: [1, 3],
    windowSeconds: 2,
    renderRuns: 2,
    log: (line) => lines.push(line),
  });
  expect(lines.filter((line) => / shown in \d+ ms first/.test(line))).toHaveLength(6);
  const rates = lines.filter((line) => /\d+ dashboards: [\d.]+ statements\/s/.test(line));
  expect(rates).toHaveLength(3);
  // Open dashboards receive the overview.
  expect(Number(/([\d.]+) overview messages\/s/.exec(rates[1]!)![1])).toBeGreaterThan(0);
  expect(markdown.join('\n')).toContain('## Dashboard at 1,000 jobs');
});
