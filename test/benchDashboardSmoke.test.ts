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

test.skipIf(!serverMode)('the dashboard bench shows each page in Chromium and counts statements with dashboards open on each live page', { timeout: 240_000 }, async () => {
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
  // None open, then 1 and 3 on each live page (overview, print, tracking).
  expect(rates).toHaveLength(7);
  for (const page of ['overview', 'print', 'tracking']) {
    const open = rates.filter((line) => line.includes(`${page} page, `));
    expect(open, page).toHaveLength(2);
    // Open dashboards receive the page's live state.
    for (const line of open) expect(Number(/([\d.]+) messages\/s each/.exec(line)![1]), line).toBeGreaterThan(0);
  }
  expect(markdown.join('\n')).toContain('## Dashboard at 1,000 jobs');
});
