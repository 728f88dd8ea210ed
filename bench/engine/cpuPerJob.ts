// CPU time per job of Pressroom's bulk enqueue, single enqueue and enqueue + drain: the benchmark process
// (process.cpuUsage) plus the PostgreSQL backends of its scratch database (read from /proc, so
// the server must run on this machine). On a shared machine wall clock varies 2× between
// identical runs; CPU time per job barely moves, so this is how bench/RESULTS.md compares trees
// ("Issue #15: what each step bought").
//   npx tsx bench/engine/cpuPerJob.ts                 10,000 jobs, 2 runs of each figure
//   CPU_JOBS=20000 CPU_RUNS=3 CPU_FIGURES=drain CPU_TREE=/tmp/other npx tsx bench/engine/cpuPerJob.ts
//   CPU_JOBS=2000 CPU_FIGURES=trickle                 (jobs one every 2 ms: the runs take jobs × 2 ms)
// CPU_TREE measures another checkout (its bench/engine/pressroom.ts) with this script;
// CPU_SYSTEM=graphile-worker measures the peer the same way (bench/engine/graphileWorker.ts).
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import postgres from 'postgres';
import { cpuMs } from '../fanout/proc.ts';
import type { EngineSystem } from './system.ts';
import { DEFAULT_DATABASE_URL, DEFAULT_REDIS_URL } from './system.ts';
import { createGraphileWorker } from './graphileWorker.ts';

const env = process.env;
const jobs = Number(env.CPU_JOBS ?? 10_000);
const runs = Number(env.CPU_RUNS ?? 2);
const databaseUrl = env.DATABASE_URL ?? DEFAULT_DATABASE_URL;
const redisUrl = env.REDIS_URL ?? DEFAULT_REDIS_URL;
const tree = env.CPU_TREE ?? path.resolve(import.meta.dirname, '../..');
const peer = env.CPU_SYSTEM === 'graphile-worker';
// The scratch database each system opens (bench/engine/pressroom.ts, graphileWorker.ts).
const scratchName = `bench_${peer ? 'graphile' : 'pressroom'}_${process.pid}`;

const { createPressroom } = (await import(pathToFileURL(path.join(tree, 'bench/engine/pressroom.ts')).href)) as {
  createPressroom(options: { databaseUrl: string; redisUrl: string }): EngineSystem;
};
const createSystem = () => (peer ? createGraphileWorker({ databaseUrl }) : createPressroom({ databaseUrl, redisUrl }));
const admin = postgres(databaseUrl, { max: 1, onnotice: () => {} });

/** CPU ms so far of each backend of the scratch database. */
async function backends(): Promise<Map<number, number>> {
  const rows = await admin<{ pid: number }[]>`select pid from pg_stat_activity where datname = ${scratchName}`;
  const out = new Map<number, number>();
  for (const { pid } of rows) {
    try {
      out.set(pid, cpuMs(pid));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** Node and PostgreSQL CPU µs per job of `figure`. Backends that left during it are not counted (the pool keeps them). */
async function measure(figure: () => Promise<unknown>): Promise<{ node: number; pg: number; rate: number }> {
  const pgBefore = await backends();
  const nodeBefore = process.cpuUsage();
  const started = performance.now();
  await figure();
  const rate = (jobs * 1000) / (performance.now() - started);
  const node = process.cpuUsage(nodeBefore);
  const pgAfter = await backends();
  let pg = 0;
  for (const [pid, ms] of pgAfter) pg += ms - (pgBefore.get(pid) ?? 0);
  return { node: (node.user + node.system) / jobs, pg: (pg * 1000) / jobs, rate };
}

const allFigures: Record<string, (system: EngineSystem) => Promise<unknown>> = {
  bulk: (system) => system.bulkEnqueue(jobs),
  'single (8 clients)': (system) => system.singleEnqueue(jobs, 8),
  'enqueue + drain': (system) => system.drain(jobs, 10),
  'enqueue + drain, fastest': (system) => system.drain(jobs, 'fastest'),
  // Jobs one at a time to an idle worker, as a print room sends them: what each costs end to end.
  'trickle (every 2 ms)': (system) => system.latency(jobs, 2),
};
// CPU_FIGURES=bulk,single,drain: some figures only (by part of the name).
const wanted = env.CPU_FIGURES?.split(',');
const figures = Object.fromEntries(Object.entries(allFigures).filter(([name]) => !wanted || wanted.some((w) => name.includes(w))));

console.log(`${peer ? 'graphile-worker' : `tree ${tree}`}, ${jobs} jobs, ${runs} run(s) per figure after one unreported warm-up run`);
for (let run = -1; run < runs; run++) {
  for (const [name, figure] of Object.entries(figures)) {
    const system = createSystem();
    await system.setup();
    try {
      const { node, pg, rate } = await measure(() => figure(system));
      // The wall-clock rate only as a hint: on a shared machine it is the noisy figure.
      if (run >= 0) console.log(`${name.padEnd(24)} Node ${node.toFixed(0).padStart(4)} µs/job   PostgreSQL ${pg.toFixed(0).padStart(4)} µs/job   (${Math.round(rate)} jobs/s wall clock)`);
    } finally {
      await system.teardown();
    }
  }
}
await admin.end();
