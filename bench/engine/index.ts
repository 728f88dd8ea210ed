// The engine beside the peers (issue #5, part 1): Pressroom, graphile-worker and pg-boss on the
// same PostgreSQL (a database of their own each, made and dropped per figure), BullMQ on the same
// Redis for reference. One console table and one RESULTS.md section.
import { createBullMQ } from './bullmq.ts';
import { ENGINE_FINDINGS } from './findings.ts';
import { createGraphileWorker } from './graphileWorker.ts';
import { createPgBoss } from './pgBoss.ts';
import { runPgbenchProbe } from './pgbenchProbe.ts';
import { createPressroom } from './pressroom.ts';
import { measureSystems, renderMarkdownTable, renderTable, tableRows, targets, type BenchSize } from './report.ts';

export interface EngineBenchOptions {
  databaseUrl: string;
  redisUrl: string;
  size: BenchSize;
  /** Names (prefixes, any case) of the systems to measure; all when absent. */
  systems?: string[];
  log?: (line: string) => void;
}

export async function runEngineBench(options: EngineBenchOptions): Promise<{ consoleLines: string[]; markdown: string[]; failed: boolean }> {
  const { databaseUrl, redisUrl, size } = options;
  const systems = [
    createPressroom({ databaseUrl, redisUrl }),
    createGraphileWorker({ databaseUrl }),
    createPgBoss({ databaseUrl }),
    createBullMQ({ redisUrl }),
  ].filter((system) => !options.systems || options.systems.some((name) => system.name.toLowerCase().startsWith(name.toLowerCase())));
  options.log?.(`engine: ${size.jobs} jobs, ${size.runs} run(s), ${systems.map((s) => s.name).join(', ')}`);
  const results = await measureSystems(systems, size, options.log);
  const checked = targets(results);
  options.log?.('engine: pgbench probe');
  const probe = await runPgbenchProbe(databaseUrl);
  const probeLines = probe.map((p) => `pgbench, 8 clients, ${p.name}: ${p.tps === null ? `not measured (${p.error})` : `${Math.round(p.tps).toLocaleString('en')} tps`}`);

  const consoleLines = [
    renderTable(tableRows(results)),
    '',
    ...checked.map((t) => `target: ${t.target}: ${t.figure} — ${t.met === undefined ? 'not measured' : t.met ? 'met' : 'NOT met'}`),
    ...probeLines,
  ];
  const markdown = [
    '## Engine',
    '',
    `${size.jobs.toLocaleString('en')} jobs per throughput figure, median of ${size.runs} run${size.runs === 1 ? '' : 's'} with the range in brackets; latency: ${size.latencyJobs} jobs added one every ${size.latencyEveryMs} ms to an idle worker, ` +
      `from just before the enqueue call to the start of the handler, both timed in the benchmark process. Single enqueue: ${size.clients} concurrent clients. ` +
      'Every figure runs on a fresh database (or Redis prefix), dropped after.',
    '',
    '"Pressroom vs X" is how far Pressroom is ahead: X\'s time over Pressroom\'s for latency, Pressroom\'s rate over X\'s for throughput; above 1× Pressroom is better.',
    '',
    renderMarkdownTable(tableRows(results)),
    '',
    '### Targets (issue #5)',
    '',
    '| target | figure | met |',
    '| --- | --- | --- |',
    ...checked.map((t) => `| ${t.target} | ${t.figure} | ${t.met === undefined ? '—' : t.met ? 'yes' : '**no**'} |`),
    '',
    'The same PostgreSQL with nothing of ours in the way (pgbench, 8 clients, 10 s each, a scratch table with a bigserial key and a jsonb column):',
    '',
    ...probeLines.map((line) => `- ${line}`),
    '',
    ...ENGINE_FINDINGS,
    '',
    '### Settings',
    '',
  ];
  for (const result of results) {
    markdown.push(`#### ${result.name}`, '', ...Object.entries(result.settings).map(([k, v]) => `- ${k}: ${v}`));
    for (const note of result.notes) markdown.push(`- note: ${note}`);
    for (const error of result.errors) markdown.push(`- **failed**: ${error}`);
    markdown.push('');
  }
  return { consoleLines, markdown, failed: results.some((r) => r.errors.length > 0) };
}
