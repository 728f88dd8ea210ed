// `npm run chaos`: the reliability suite. Each scenario gets a PostgreSQL and a Redis of its own
// (chaos/cluster.ts) and real Pressroom processes; the figures are printed and written to the
// `reliability` section of bench/RESULTS.md.
//   CHAOS_SCENARIOS=kills,postgres,redis,fuzz,lock   which (all by default)
//   CHAOS_KILLS=100 CHAOS_PG_RESTARTS=3 CHAOS_REDIS_DOWN_MS=60000 CHAOS_REDIS_SUBSCRIBERS=50
//   CHAOS_FUZZ=10000 CHAOS_LOCK_KILLS=10 CHAOS_SEED=14
import { readFile, writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { replaceSection } from '../bench/results.ts';
import { startCluster, type Cluster } from './cluster.ts';
import { runFolderLock } from './folderLock.ts';
import { runFuzz } from './fuzz.ts';
import { runPostgresRestarts } from './postgresRestarts.ts';
import { runRedisOutage } from './redisOutage.ts';
import { reliabilityLines, reliabilityMarkdown, type ChaosResults } from './report.ts';
import { runWorkerKills } from './workerKills.ts';

// graphql-ws's client (6.x) leaves a promise rejected with the CloseEvent of a connection closed
// normally (1000) unhandled now and then; that is the client's, not a finding: noted, not fatal.
process.on('unhandledRejection', (reason) => {
  const code = (reason as { code?: unknown } | null)?.code;
  if (code === 1000) return;
  console.error('unhandled rejection:', reason);
  process.exit(1);
});

const env = process.env;
const scenarios = new Set((env.CHAOS_SCENARIOS ?? 'kills,postgres,redis,fuzz,lock').split(',').map((s) => s.trim()));
const number = (name: string, fallback: number) => Number(env[name] ?? fallback);
const log = (line: string) => console.log(`  ${line}`);
const started = new Date();
const loadAtStart = loadavg()[0]!;
const results: ChaosResults = {};

async function withCluster<T>(name: string, work: (cluster: Cluster) => Promise<T>): Promise<T> {
  const cluster = await startCluster(name);
  try {
    return await work(cluster);
  } finally {
    await cluster.close();
  }
}

if (scenarios.has('kills')) results.kills = await withCluster('chaos_kills', (c) => runWorkerKills(c, number('CHAOS_KILLS', 100), log));
if (scenarios.has('postgres')) results.postgres = await withCluster('chaos_pg', (c) => runPostgresRestarts(c, number('CHAOS_PG_RESTARTS', 3), log));
if (scenarios.has('redis')) {
  results.redis = await withCluster('chaos_redis', (c) => runRedisOutage(c, number('CHAOS_REDIS_DOWN_MS', 60_000), number('CHAOS_REDIS_SUBSCRIBERS', 50), log));
}
if (scenarios.has('fuzz')) results.fuzz = await withCluster('chaos_fuzz', (c) => runFuzz(c, number('CHAOS_FUZZ', 10_000), log, number('CHAOS_SEED', 14)));
if (scenarios.has('lock')) results.lock = await runFolderLock(number('CHAOS_LOCK_KILLS', 10), log);

console.log(['', ...reliabilityLines(results), ''].join('\n'));
const file = fileURLToPath(new URL('../bench/RESULTS.md', import.meta.url));
await writeFile(file, replaceSection(await readFile(file, 'utf8'), 'reliability', reliabilityMarkdown(results, started, [loadAtStart, loadavg()[0]!])));
console.log(`reliability section written to ${file}`);
process.exit(0);
