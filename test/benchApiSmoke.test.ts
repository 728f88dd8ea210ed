// The API bench at a tiny size: checks that its loader, its `pressroom serve` process and every
// query still run. Server mode only: the loader fills a PostgreSQL database of its own, and the
// bench serves it from a child process (an embedded database is locked to one process).
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { afterAll, expect, test } from 'vitest';
import { runApiBench } from '../bench/api/index.ts';
import { serverMode } from './support/db.ts';

const database = `pressroom_bench_api_t_${randomBytes(4).toString('hex')}`;

afterAll(async () => {
  if (!serverMode) return;
  const admin = postgres(process.env.DATABASE_URL!, { max: 1, onnotice: () => {} });
  await admin.unsafe(`drop database if exists ${database} with (force)`);
  await admin.end();
});

test.skipIf(!serverMode)('the API bench loads, serves and answers every query at a tiny size', { timeout: 120_000 }, async () => {
  const lines: string[] = [];
  const options = { databaseUrl: process.env.DATABASE_URL!, database, jobs: 200, history: 2_000, connections: [1, 2], durationSeconds: 1, warmupSeconds: 0, amount: 4 };
  const { consoleLines, markdown, measured } = await runApiBench({ ...options, log: (line) => lines.push(line) });

  expect(lines[0]).toBe(`api bench: loading 200 jobs and 2000 history entries into ${database}`);
  expect(measured.map((row) => row.name)).toContain('{ __typename } (baseline)');
  expect(measured.filter((row) => row.page).length).toBeGreaterThanOrEqual(4);
  for (const row of measured) {
    for (const pass of row.passes) {
      expect(pass.firstError, `${row.name}, ${pass.connections} connections`).toBeNull();
      expect(pass.errors, row.name).toBe(0);
      expect(pass.requests, row.name).toBeGreaterThan(0);
    }
  }
  expect(consoleLines).toHaveLength(measured.length + 1);
  expect(markdown).toContain('## API latency at scale');
  expect(markdown.join('\n')).toContain('200 jobs, 2,000 history entries');

  // Run again: the loaded database is reused, not loaded twice.
  const again: string[] = [];
  await runApiBench({ ...options, connections: [1], log: (line) => again.push(line) });
  expect(again[0]).toBe(`api bench: reusing ${database} (200 jobs, 2000 history entries)`);
});
