// The engine beside the peers (issue #5, part 1): Pressroom, graphile-worker and pg-boss on the
// same PostgreSQL (a database of their own each, made and dropped per figure), BullMQ on the same
// Redis for reference. One console table and one RESULTS.md section.
import { AT_SIZE_NAME, createEmbeddedPressroom, createPressroomAtSize, EMBEDDED_NAME } from './beyond.ts';
import { createBullMQ } from './bullmq.ts';
import { runContractSection } from './contract.ts';
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
  /** The loaded state of the at-size rows (BENCH_AT_SIZE_JOBS, BENCH_AT_SIZE_HISTORY); 0 jobs skips them. */
  atSize: { jobs: number; history: number };
  /** Jobs and runs per figure of the CPU comparison behind "What the contract costs". */
  contract: { jobs: number; runs: number };
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
  // Pressroom on its own: at size (drain and latency, the figures the table's size could change)
  // and embedded (bulk, drain, latency: no server, no peer).
  const wanted = (name: string) => !options.systems || options.systems.some((prefix) => name.toLowerCase().startsWith(prefix.toLowerCase()));
  const only = (figures: string[]) => new Set(figures.filter((f) => !size.only || size.only.has(f)));
  const beyond = [
    ...(options.atSize.jobs > 0 && wanted(AT_SIZE_NAME)
      ? await measureSystems([createPressroomAtSize({ databaseUrl, redisUrl, ...options.atSize, log: options.log })], { ...size, only: only(['drain', 'latency']) }, options.log)
      : []),
    ...(wanted(EMBEDDED_NAME) ? await measureSystems([createEmbeddedPressroom()], { ...size, only: only(['bulk', 'drain', 'latency']) }, options.log) : []),
  ];
  const checked = targets(results, beyond.find((r) => r.name === AT_SIZE_NAME));
  const beyondRows = tableRows([...results.filter((r) => r.name === 'Pressroom' || r.name === 'graphile-worker'), ...beyond], false);
  const median = (system: string, figure: 'drainFastest' | 'bulk') => results.find((r) => r.name === system)?.figures[figure]?.median;
  const bestOf = (...rates: (number | undefined)[]) => {
    const measured = rates.filter((r) => r !== undefined);
    return measured.length > 0 ? Math.max(...measured) : undefined;
  };
  const contract =
    wanted('Pressroom') && (!size.only || size.only.has('contract'))
      ? await runContractSection({
          databaseUrl,
          redisUrl,
          ...options.contract,
          peer: { drainFastest: median('graphile-worker', 'drainFastest'), bulk: bestOf(median('graphile-worker', 'bulk'), median('pg-boss', 'bulk')) },
          log: options.log,
        })
      : undefined;
  options.log?.('engine: pgbench probe');
  const probe = await runPgbenchProbe(databaseUrl);
  const probeLines = probe.map((p) => `pgbench, 8 clients, ${p.name}: ${p.tps === null ? `not measured (${p.error})` : `${Math.round(p.tps).toLocaleString('en')} tps`}`);

  const consoleLines = [
    ...(results.length > 0 ? [renderTable(tableRows(results)), ''] : []),
    ...(beyond.length > 0 ? [renderTable(beyondRows), ''] : []),
    ...checked.map((t) => `target: ${t.target}: ${t.figure} — ${t.met === undefined ? 'not measured' : t.met ? 'met' : 'NOT met'}`),
    ...probeLines,
    ...(contract?.consoleLines ?? []),
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
    ...(beyond.length > 0
      ? [
          '### At size, and embedded',
          '',
          `"${AT_SIZE_NAME}": the same figures in the same run while \`jobs\` already holds ${options.atSize.jobs.toLocaleString('en')} finished jobs and \`history\` ${options.atSize.history.toLocaleString('en')} entries (graphile-worker deletes finished jobs; Pressroom keeps them for the operators). ` +
            `"${EMBEDDED_NAME}": the default with no \`DATABASE_URL\` — PGlite in this process, in-process events, nothing else running — so a newcomer knows what one process without a server gives. The Pressroom and graphile-worker columns repeat the table above.`,
          '',
          renderMarkdownTable(beyondRows),
          '',
        ]
      : []),
    '### Targets (issue #15)',
    '',
    '| target | figure | met |',
    '| --- | --- | --- |',
    ...checked.map((t) => `| ${t.target} | ${t.figure} | ${t.met === undefined ? '—' : t.met ? 'yes' : '**no**'} |`),
    '',
    'The same PostgreSQL with nothing of ours in the way (pgbench, 8 clients, 10 s each, a scratch table with a bigserial key and a jsonb column):',
    '',
    ...probeLines.map((line) => `- ${line}`),
    '',
    ...(contract ? [...contract.markdown, ''] : []),
    ...ENGINE_FINDINGS,
    '',
    '### Settings',
    '',
  ];
  for (const result of [...results, ...beyond]) {
    markdown.push(`#### ${result.name}`, '', ...Object.entries(result.settings).map(([k, v]) => `- ${k}: ${v}`));
    for (const note of result.notes) markdown.push(`- note: ${note}`);
    for (const error of result.errors) markdown.push(`- **failed**: ${error}`);
    markdown.push('');
  }
  return { consoleLines, markdown, failed: [...results, ...beyond].some((r) => r.errors.length > 0) };
}
