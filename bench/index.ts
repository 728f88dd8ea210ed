// The engine benchmark beside the peers (issue #5, part 1): Pressroom, graphile-worker and pg-boss
// on the same PostgreSQL (a database of their own each, made and dropped per figure), BullMQ on
// the same Redis for reference. Prints one table and writes bench/RESULTS.md.
//   npm run bench                                 (20,000 jobs, median of 3 runs)
//   BENCH_JOBS=5000 BENCH_RUNS=1 npm run bench    (a quick look)
//   BENCH_SYSTEMS=pressroom BENCH_FIGURES=drain,latency npm run bench   (some systems and figures only)
//   DATABASE_URL (default postgres://root@127.0.0.1:5432/root), REDIS_URL (default redis://127.0.0.1:6379)
import { readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import postgres from 'postgres';
import { createBullMQ } from './engine/bullmq.ts';
import { createGraphileWorker } from './engine/graphileWorker.ts';
import { createPgBoss } from './engine/pgBoss.ts';
import { createPressroom } from './engine/pressroom.ts';
import { measureSystems, renderMarkdownTable, renderTable, tableRows, targets, type BenchSize, type SystemResult } from './engine/report.ts';
import { DEFAULT_DATABASE_URL, DEFAULT_REDIS_URL } from './engine/system.ts';

const databaseUrl = process.env.DATABASE_URL ?? DEFAULT_DATABASE_URL;
const redisUrl = process.env.REDIS_URL ?? DEFAULT_REDIS_URL;
const size: BenchSize = {
  jobs: Number(process.env.BENCH_JOBS ?? 20_000),
  runs: Number(process.env.BENCH_RUNS ?? 3),
  clients: 8,
  concurrency: 10,
  latencyJobs: Number(process.env.BENCH_LATENCY_JOBS ?? 500),
  latencyEveryMs: 5,
  only: process.env.BENCH_FIGURES ? new Set(process.env.BENCH_FIGURES.split(',')) : undefined,
};

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

function markdown(results: SystemResult[], machineLines: string[], started: Date): string {
  const out = [
    '# Engine benchmark beside the peers',
    '',
    `Written by \`npm run bench\` (bench/index.ts) on ${started.toISOString()}: ${size.jobs.toLocaleString('en')} jobs per throughput figure, ` +
      `median of ${size.runs} run${size.runs === 1 ? '' : 's'} with the range in brackets; latency: ${size.latencyJobs} jobs added one every ${size.latencyEveryMs} ms to an idle worker, ` +
      `from just before the enqueue call to the start of the handler, both timed in the benchmark process. Single enqueue: ${size.clients} concurrent clients. ` +
      'Every figure runs on a fresh database (or Redis prefix), dropped after.',
    '',
    '"Pressroom vs X" is how far Pressroom is ahead: X\'s time over Pressroom\'s for latency, Pressroom\'s rate over X\'s for throughput; above 1× Pressroom is better.',
    '',
    renderMarkdownTable(tableRows(results)),
    '',
    '## Targets (issue #5)',
    '',
    '| target | figure | met |',
    '| --- | --- | --- |',
    ...targets(results).map((t) => `| ${t.target} | ${t.figure} | ${t.met === undefined ? '—' : t.met ? 'yes' : '**no**'} |`),
    '',
    '## Machine',
    '',
    ...machineLines,
    '',
    '## Settings',
    '',
  ];
  for (const result of results) {
    out.push(`### ${result.name}`, '', ...Object.entries(result.settings).map(([k, v]) => `- ${k}: ${v}`));
    for (const note of result.notes) out.push(`- note: ${note}`);
    for (const error of result.errors) out.push(`- **failed**: ${error}`);
    out.push('');
  }
  return out.join('\n');
}

const started = new Date();
const wanted = process.env.BENCH_SYSTEMS?.split(',');
const systems = [
  createPressroom({ databaseUrl, redisUrl }),
  createGraphileWorker({ databaseUrl }),
  createPgBoss({ databaseUrl }),
  createBullMQ({ redisUrl }),
].filter((system) => !wanted || wanted.some((name) => system.name.toLowerCase().startsWith(name.toLowerCase())));
console.log(`engine bench: ${size.jobs} jobs, ${size.runs} run(s), ${systems.map((s) => s.name).join(', ')}`);
const results = await measureSystems(systems, size, (line) => console.log(`  ${line}`));
const machineLines = await machine();
console.log('');
console.log(renderTable(tableRows(results)));
console.log('');
for (const t of targets(results)) console.log(`target: ${t.target}: ${t.figure} — ${t.met === undefined ? 'not measured' : t.met ? 'met' : 'NOT met'}`);
for (const line of machineLines) console.log(line);
if (wanted || size.only) console.log('\npartial run (BENCH_SYSTEMS or BENCH_FIGURES): RESULTS.md left as it was');
else {
  const file = fileURLToPath(new URL('./RESULTS.md', import.meta.url));
  await writeFile(file, markdown(results, machineLines, started));
  console.log(`\nwrote ${file}`);
}
process.exit(results.some((r) => r.errors.length) ? 1 : 0);
