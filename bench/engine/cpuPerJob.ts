// CPU time per job of Pressroom's figures (bench/engine/cpu.ts), run by hand to compare trees
// ("Issue #15: what each step bought" in bench/RESULTS.md) or Pressroom with graphile-worker.
//   npx tsx bench/engine/cpuPerJob.ts                 10,000 jobs, 2 runs of each figure
//   CPU_JOBS=20000 CPU_RUNS=3 CPU_FIGURES=drain CPU_TREE=/tmp/other npx tsx bench/engine/cpuPerJob.ts
//   CPU_JOBS=2000 CPU_FIGURES=trickle                 (jobs one every 2 ms: the runs take jobs × 2 ms)
// CPU_TREE measures another checkout (its bench/engine/pressroom.ts) with this script;
// CPU_SYSTEM=graphile-worker measures the peer the same way (bench/engine/graphileWorker.ts).
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import postgres from 'postgres';
import { CPU_FIGURES, measureCpu, scratchDatabaseName } from './cpu.ts';
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

const { createPressroom } = (await import(pathToFileURL(path.join(tree, 'bench/engine/pressroom.ts')).href)) as {
  createPressroom(options: { databaseUrl: string; redisUrl: string }): EngineSystem;
};
const createSystem = () => (peer ? createGraphileWorker({ databaseUrl }) : createPressroom({ databaseUrl, redisUrl }));
const admin = postgres(databaseUrl, { max: 1, onnotice: () => {} });

// CPU_FIGURES=bulk,single,drain: some figures only (by part of the name).
const wanted = env.CPU_FIGURES?.split(',');
const figures = Object.entries(CPU_FIGURES).filter(([name]) => !wanted || wanted.some((w) => name.includes(w)));

console.log(`${peer ? 'graphile-worker' : `tree ${tree}`}, ${jobs} jobs, ${runs} run(s) per figure after one unreported warm-up run`);
for (let run = -1; run < runs; run++) {
  for (const [name, figure] of figures) {
    const system = createSystem();
    await system.setup();
    try {
      const { node, pg, rate } = await measureCpu(admin, scratchDatabaseName(peer ? 'graphile' : 'pressroom'), jobs, () => figure(system, jobs));
      // The wall-clock rate only as a hint: on a shared machine it is the noisy figure.
      if (run >= 0) console.log(`${name.padEnd(24)} Node ${node.toFixed(0).padStart(4)} µs/job   PostgreSQL ${pg.toFixed(0).padStart(4)} µs/job   (${Math.round(rate)} jobs/s wall clock)`);
    } finally {
      await system.teardown();
    }
  }
}
await admin.end();
