// The engine benchmark at a tiny size, Pressroom only, on this file's test database: checks that
// `npm run bench`'s code still runs (the peers are left to the real run).
import { sql } from 'drizzle-orm';
import { expect, test } from 'vitest';
import { BENCH_KINDS, createPressroom } from '../bench/engine/pressroom.ts';
import { replaceSection } from '../bench/results.ts';
import { FIGURES, measureSystems, renderMarkdownTable, renderTable, tableRows, targets } from '../bench/engine/report.ts';
import { useTestDatabase } from './support/db.ts';

const testDatabase = useTestDatabase();

test('the engine bench measures every figure of Pressroom at a tiny size', async () => {
  const pressroom = createPressroom({
    // One database for every figure (opening one per figure is slow embedded): each figure
    // starts with no jobs, as on a fresh database.
    async open() {
      const { database, services } = testDatabase();
      await services.db.execute(sql`delete from jobs`);
      return { database, services: { ...services, kinds: BENCH_KINDS }, close: async () => {} };
    },
  });
  const lines: string[] = [];
  const size = { jobs: 50, runs: 1, clients: 8, concurrency: 10, latencyJobs: 20, latencyEveryMs: 5 };
  const [result] = await measureSystems([pressroom], size, (line) => lines.push(line));
  expect(result!.errors).toEqual([]);
  for (const figure of FIGURES) {
    const summary = result!.figures[figure.key];
    expect(summary, figure.key).toBeDefined();
    expect(Number.isFinite(summary!.median) && summary!.median > 0, figure.key).toBe(true);
  }
  const rows = tableRows([result!]);
  expect(rows).toHaveLength(FIGURES.length + 1);
  expect(renderTable(rows)).toContain('drain, concurrency 10');
  expect(renderMarkdownTable(rows)).toContain('| figure | Pressroom |');
  expect(targets([result!]).map((t) => t.target)).toContain("single enqueue (8 clients) ≥ 5,000 jobs/s and ≥ pg-boss's");
  expect(lines).toContain('run 1/1: Pressroom done');
});

test('a bench run of some sections rewrites those sections of RESULTS.md and keeps the others', () => {
  let document = replaceSection('', 'api', ['## API', 'old api figures']);
  document = replaceSection(document, 'engine', ['## Engine', 'first engine figures']);
  document = replaceSection(document, 'engine', ['## Engine', 'second engine figures']);
  expect(document).toContain('old api figures');
  expect(document).toContain('second engine figures');
  expect(document).not.toContain('first engine figures');
  expect(document.indexOf('## Engine')).toBeLessThan(document.indexOf('## API'));
});
