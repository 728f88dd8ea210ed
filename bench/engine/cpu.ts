// CPU time per job of one engine figure: the benchmark process (process.cpuUsage) plus the
// PostgreSQL backends of the system's scratch database, read from /proc — so the server must run
// on this machine. On a shared machine wall clock varies 2× between identical runs; CPU time per
// job barely moves, so this is how trees and systems are compared (cpuPerJob.ts, floor.ts).
import type postgres from 'postgres';
import { cpuMs } from '../fanout/proc.ts';
import type { EngineSystem } from './system.ts';

export interface CpuPerJob {
  /** µs of the benchmark process (the engine runs in it) per job. */
  node: number;
  /** µs of the scratch database's backends per job. */
  pg: number;
  /** Wall-clock jobs/s: a hint only, the noisy figure. */
  rate: number;
}

/** The figures a CPU comparison runs, by name: each covers `jobs` jobs. */
export const CPU_FIGURES = {
  bulk: (system, jobs) => system.bulkEnqueue(jobs),
  'single (8 clients)': (system, jobs) => system.singleEnqueue(jobs, 8),
  'enqueue + drain': (system, jobs) => system.drain(jobs, 10),
  'enqueue + drain, fastest': (system, jobs) => system.drain(jobs, 'fastest'),
  // Jobs one at a time to an idle worker, as a print room sends them: what each costs end to end.
  'trickle (every 2 ms)': (system, jobs) => system.latency(jobs, 2),
} satisfies Record<string, (system: EngineSystem, jobs: number) => Promise<unknown>>;
export type CpuFigure = keyof typeof CPU_FIGURES;

/** CPU ms so far of each backend of `databaseName`. */
async function backends(admin: postgres.Sql, databaseName: string): Promise<Map<number, number>> {
  const rows = await admin<{ pid: number }[]>`select pid from pg_stat_activity where datname = ${databaseName}`;
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

/**
 * Runs `figure` over `jobs` jobs and divides the CPU it took. Backends that left during it are not
 * counted (the pools keep theirs). `admin` is any connection to the server.
 */
export async function measureCpu(admin: postgres.Sql, databaseName: string, jobs: number, figure: () => Promise<unknown>): Promise<CpuPerJob> {
  const pgBefore = await backends(admin, databaseName);
  const nodeBefore = process.cpuUsage();
  const started = performance.now();
  await figure();
  const rate = (jobs * 1000) / (performance.now() - started);
  const node = process.cpuUsage(nodeBefore);
  const pgAfter = await backends(admin, databaseName);
  let pg = 0;
  for (const [pid, ms] of pgAfter) pg += ms - (pgBefore.get(pid) ?? 0);
  return { node: (node.user + node.system) / jobs, pg: (pg * 1000) / jobs, rate };
}

/** The scratch database a system opens per setup (bench/engine/pressroom.ts, graphileWorker.ts). */
export const scratchDatabaseName = (system: 'pressroom' | 'graphile') => `bench_${system}_${process.pid}`;

/** Whether the server's backends are processes of this machine, whose CPU /proc can read. */
export async function serverOnThisMachine(admin: postgres.Sql): Promise<boolean> {
  const [row] = await admin<{ pid: number }[]>`select pg_backend_pid() as pid`;
  try {
    cpuMs(row!.pid);
    return true;
  } catch {
    return false;
  }
}
