// `npm run bench`: the three parts of issue #5, issue #11's print section and the dashboard's (#13) in one run, each printed as it ends and written to
// its own section of bench/RESULTS.md (a partial run rewrites only the sections it measured).
//   npm run bench                                   engine (20,000 jobs × 3), fan-out (1k/5k/10k), API (1M jobs / 10M history)
//   BENCH_SECTIONS=engine,fanout npm run bench      some sections only
//   BENCH_JOBS=5000 BENCH_RUNS=1 npm run bench      a quick look at the engine
//   BENCH_SYSTEMS=pressroom BENCH_FIGURES=drain,latency npm run bench   some systems and figures only (RESULTS.md left alone)
//   BENCH_AT_SIZE_JOBS=1000000 BENCH_AT_SIZE_HISTORY=10000000   the engine's at-size rows (a loaded database kept between runs; 0 skips them)
//   BENCH_CONTRACT_JOBS=3000 BENCH_CONTRACT_RUNS=2    CPU per job and the contract floor (BENCH_FIGURES=contract: that part alone)
//   BENCH_SECTIONS=bulk npm run bench               bulk cancel/retry/delete of 5,000 and 100,000 jobs (BENCH_BULK_SIZES)
//   BENCH_FANOUT_SIZES=1000 · BENCH_API_JOBS / BENCH_API_HISTORY / BENCH_API_RELOAD=1
//   BENCH_PRINT_DOCUMENTS / BENCH_PRINT_ROWS / BENCH_PRINT_REQUESTS (print section)
//   BENCH_SECTIONS=tracking BENCH_TRACKING_SCALE=0.1 BENCH_TRACKING_WORKERS=2   production tracking (issue #12)
//   BENCH_DASHBOARD_JOBS=1000000 · BENCH_DASHBOARDS=1,10,100 · BENCH_DASHBOARD_WINDOW_S=20
//   BENCH_STARTUP_RUNS=5 (startup section: first answer, --help, --version, from the build)
//   DATABASE_URL (default postgres://root@127.0.0.1:5432/root), REDIS_URL (default redis://127.0.0.1:6379)
import { readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import postgres from 'postgres';
import { runApiBench } from './api/index.ts';
import { runBulkBench } from './bulk/index.ts';
import { runDashboardBench } from './dashboard/index.ts';
import { runEngineBench } from './engine/index.ts';
import type { BenchSize } from './engine/report.ts';
import { DEFAULT_DATABASE_URL, DEFAULT_REDIS_URL } from './engine/system.ts';
import { runFanoutBench } from './fanout/index.ts';
import { runPrintBench } from './print/index.ts';
import { replaceSection } from './results.ts';
import { runStartupBench } from './startup/index.ts';
import { runTrackingBench } from './tracking/index.ts';

const env = process.env;
const databaseUrl = env.DATABASE_URL ?? DEFAULT_DATABASE_URL;
const redisUrl = env.REDIS_URL ?? DEFAULT_REDIS_URL;
const list = (value: string | undefined) => value?.split(',').map((v) => v.trim()).filter(Boolean);
const sections = new Set(list(env.BENCH_SECTIONS) ?? ['engine', 'fanout', 'api', 'print', 'dashboard', 'startup']);
const systems = list(env.BENCH_SYSTEMS);
const figures = list(env.BENCH_FIGURES);
const engineSize: BenchSize = {
  jobs: Number(env.BENCH_JOBS ?? 20_000),
  runs: Number(env.BENCH_RUNS ?? 3),
  clients: 8,
  concurrency: 10,
  latencyJobs: Number(env.BENCH_LATENCY_JOBS ?? 500),
  latencyEveryMs: 5,
  only: figures && new Set(figures),
};
const log = (line: string) => console.log(`  ${line}`);

async function packageVersion(name: string): Promise<string> {
  const file = fileURLToPath(new URL(`../node_modules/${name}/package.json`, import.meta.url));
  return (JSON.parse(await readFile(file, 'utf8')) as { version: string }).version;
}

async function machine(): Promise<string[]> {
  const cpus = os.cpus();
  const pg = postgres(databaseUrl, { max: 1, onnotice: () => {} });
  const [pgRow] = await pg`select version() as version, current_setting('fsync') as fsync, current_setting('synchronous_commit') as sync, current_setting('shared_buffers') as buffers`;
  await pg.end();
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  let redisVersion = 'unreachable';
  try {
    await redis.connect();
    redisVersion = /redis_version:(\S+)/.exec(await redis.info('server'))?.[1] ?? 'unknown';
  } catch {}
  redis.disconnect();
  return [
    `- CPU: ${cpus.length} × ${cpus[0]?.model ?? 'unknown'}${cpus[0]?.speed ? ` (${cpus[0].speed} MHz)` : ''}`,
    `- memory: ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB; ${os.type()} ${os.release()} ${os.arch()}`,
    `- Node.js ${process.version}`,
    `- ${String(pgRow?.version).split(' on ')[0]} (fsync ${pgRow?.fsync}, synchronous_commit ${pgRow?.sync}, shared_buffers ${pgRow?.buffers}), same server for every PostgreSQL system`,
    `- Redis ${redisVersion}`,
    `- pressroom (this tree), graphile-worker ${await packageVersion('graphile-worker')}, pg-boss ${await packageVersion('pg-boss')}, bullmq ${await packageVersion('bullmq')}`,
  ];
}

const written = new Map<string, string[]>();
let failed = false;
const started = new Date();

if (sections.has('engine')) {
  const atSize = { jobs: Number(env.BENCH_AT_SIZE_JOBS ?? 1_000_000), history: Number(env.BENCH_AT_SIZE_HISTORY ?? 10_000_000) };
  const contract = { jobs: Number(env.BENCH_CONTRACT_JOBS ?? 3_000), runs: Number(env.BENCH_CONTRACT_RUNS ?? 2) };
  const engine = await runEngineBench({ databaseUrl, redisUrl, size: engineSize, systems, atSize, contract, log });
  console.log(['', ...engine.consoleLines, ''].join('\n'));
  failed ||= engine.failed;
  // A run of some systems or figures is a look, not a result.
  if (!systems && !figures) written.set('engine', engine.markdown);
}
if (sections.has('fanout')) {
  const sizes = (list(env.BENCH_FANOUT_SIZES) ?? ['1000', '5000', '10000']).map(Number);
  const fanout = await runFanoutBench({ sizes, databaseUrl, redisUrl, log });
  console.log(['', ...fanout.consoleLines, ''].join('\n'));
  failed ||= fanout.results.some((r) => r.errors.length > 0);
  written.set('fanout', fanout.markdown);
}
if (sections.has('bulk')) {
  const sizes = (list(env.BENCH_BULK_SIZES) ?? ['5000', '100000']).map(Number);
  const bulk = await runBulkBench({ databaseUrl, redisUrl, sizes, log });
  console.log(['', ...bulk.consoleLines, ''].join('\n'));
  written.set('bulk', bulk.markdown);
}
if (sections.has('api')) {
  const api = await runApiBench({
    databaseUrl,
    jobs: Number(env.BENCH_API_JOBS ?? 1_000_000),
    history: Number(env.BENCH_API_HISTORY ?? 10_000_000),
    reload: env.BENCH_API_RELOAD === '1',
    log,
  });
  console.log(['', ...api.consoleLines, ''].join('\n'));
  written.set('api', api.markdown);
}

if (sections.has('print')) {
  const print = await runPrintBench({
    databaseUrl,
    documents: Number(env.BENCH_PRINT_DOCUMENTS ?? 100_000),
    rows: Number(env.BENCH_PRINT_ROWS ?? 1_000_000),
    requests: Number(env.BENCH_PRINT_REQUESTS ?? 500),
    log,
  });
  console.log(['', ...print.consoleLines, ''].join('\n'));
  written.set('print', print.markdown);
}

if (sections.has('tracking')) {
  const tracking = await runTrackingBench({ databaseUrl, scale: Number(env.BENCH_TRACKING_SCALE ?? 1), workers: Number(env.BENCH_TRACKING_WORKERS ?? 2), log });
  console.log(['', ...tracking.consoleLines, ''].join('\n'));
  written.set('tracking', tracking.markdown);
}

if (sections.has('dashboard')) {
  const dashboard = await runDashboardBench({
    databaseUrl,
    redisUrl,
    jobs: Number(env.BENCH_DASHBOARD_JOBS ?? 1_000_000),
    dashboards: (list(env.BENCH_DASHBOARDS) ?? ['1', '10', '100']).map(Number),
    windowSeconds: Number(env.BENCH_DASHBOARD_WINDOW_S ?? 20),
    renderRuns: 6,
    log,
  });
  console.log(['', ...dashboard.consoleLines, ''].join('\n'));
  written.set('dashboard', dashboard.markdown);
}

if (sections.has('startup')) {
  const startup = await runStartupBench({ runs: Number(env.BENCH_STARTUP_RUNS ?? 5), log });
  console.log(['', ...startup.consoleLines, ''].join('\n'));
  written.set('startup', startup.markdown);
}

const machineLines = await machine();
console.log(machineLines.join('\n'));
if (written.size > 0) {
  const file = fileURLToPath(new URL('./RESULTS.md', import.meta.url));
  let results = await readFile(file, 'utf8').catch(() => '');
  results = replaceSection(results, 'head', [
    '# Benchmarks beside the peers',
    '',
    `Written by \`npm run bench\` (bench/index.ts); the sections below were measured on ${started.toISOString()} or earlier, each stamped.`,
    '',
    '## Machine',
    '',
    ...machineLines,
  ]);
  for (const [name, markdown] of written) results = replaceSection(results, name, [...markdown, '', `_measured ${started.toISOString()}_`]);
  await writeFile(file, results);
  console.log(`\nwrote ${[...written.keys()].join(', ')} to ${file}`);
} else console.log('\nnothing written: a partial look (BENCH_SYSTEMS or BENCH_FIGURES)');
process.exit(failed ? 1 : 0);
