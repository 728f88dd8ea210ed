// What the contract costs (issue #15), in the same run as the engine table: CPU per job of
// Pressroom and graphile-worker (cpu.ts), the PostgreSQL floor of the writes Pressroom promises
// (floor.ts), and the fastest any design keeping those writes could go on this machine's cores.
// Needs the PostgreSQL server on this machine (CPU read from /proc).
import os from 'node:os';
import postgres from 'postgres';
import { CPU_FIGURES, measureCpu, scratchDatabaseName, serverOnThisMachine, type CpuFigure, type CpuPerJob } from './cpu.ts';
import { measureContractFloor, type FloorStep } from './floor.ts';
import { createGraphileWorker } from './graphileWorker.ts';
import { createPressroom } from './pressroom.ts';
import { summarize } from './report.ts';
import type { EngineSystem } from './system.ts';

export interface ContractOptions {
  databaseUrl: string;
  redisUrl: string;
  /** Jobs per CPU figure, and runs of each after one unreported warm-up. */
  jobs: number;
  runs: number;
  /** graphile-worker's rates in the engine table of this run (medians), when it was measured. */
  peer: { drainFastest?: number; bulk?: number };
  log?: (line: string) => void;
}

const FIGURES = ['bulk', 'enqueue + drain, fastest', 'trickle (every 2 ms)'] as const satisfies readonly CpuFigure[];
type Figure = (typeof FIGURES)[number];
type Samples = Record<Figure, CpuPerJob[]>;

/** Each figure `runs` times per system, each on a fresh setup, after one warm-up round. */
async function measureSystems(options: ContractOptions): Promise<{ pressroom: Samples; graphile: Samples }> {
  const admin = postgres(options.databaseUrl, { max: 1, onnotice: () => {} });
  const empty = (): Samples => ({ bulk: [], 'enqueue + drain, fastest': [], 'trickle (every 2 ms)': [] });
  const out = { pressroom: empty(), graphile: empty() };
  const systems: { samples: Samples; create: () => EngineSystem; database: string }[] = [
    { samples: out.pressroom, create: () => createPressroom({ databaseUrl: options.databaseUrl, redisUrl: options.redisUrl }), database: scratchDatabaseName('pressroom') },
    { samples: out.graphile, create: () => createGraphileWorker({ databaseUrl: options.databaseUrl }), database: scratchDatabaseName('graphile') },
  ];
  try {
    for (let run = -1; run < options.runs; run++) {
      for (const { samples, create, database } of systems) {
        for (const figure of FIGURES) {
          const system = create();
          await system.setup();
          try {
            const cpu = await measureCpu(admin, database, options.jobs, () => CPU_FIGURES[figure](system, options.jobs));
            if (run >= 0) samples[figure].push(cpu);
          } finally {
            await system.teardown();
          }
        }
      }
    }
  } finally {
    await admin.end();
  }
  return out;
}

const median = (values: number[]) => summarize(values).median;
const range = (values: number[]) => {
  const { min, max } = summarize(values);
  return Math.round(min) === Math.round(max) ? `${Math.round(min)}` : `${Math.round(min)}–${Math.round(max)}`;
};
const rate = (n: number) => Math.round(n).toLocaleString('en');
const ratio = (ours: number, theirs: number | undefined) => (theirs ? `${(ours / theirs).toFixed(2)}×` : '—');

const HEADING = '### What the contract costs (issue #15)';

export async function runContractSection(options: ContractOptions): Promise<{ consoleLines: string[]; markdown: string[] }> {
  const admin = postgres(options.databaseUrl, { max: 1, onnotice: () => {} });
  const local = await serverOnThisMachine(admin).finally(() => admin.end());
  if (!local) {
    const line = 'CPU per job and the contract floor: not measured (the PostgreSQL server is not on this machine: its CPU is read from /proc)';
    return { consoleLines: [line], markdown: [HEADING, '', line] };
  }
  options.log?.(`engine: CPU per job, Pressroom and graphile-worker (${options.jobs} jobs, ${options.runs} runs)`);
  const cpu = await measureSystems(options);
  options.log?.('engine: the contract floor');
  const floor = await measureContractFloor(options.databaseUrl);
  const cores = os.availableParallelism();

  const of = (samples: Samples, figure: Figure, part: 'node' | 'pg') => samples[figure].map((s) => s[part]);
  // A drained job's Node CPU: the system's enqueue + drain less its bulk enqueue.
  const drainNode = (samples: Samples) => median(of(samples, 'enqueue + drain, fastest', 'node')) - median(of(samples, 'bulk', 'node'));
  const peerDrainNode = drainNode(cpu.graphile);
  const ourDrainNode = drainNode(cpu.pressroom);
  const ceilings = (step: FloorStep) => ({
    writesOnly: (cores * 1e6) / (step.claim + step.complete),
    leanWorker: (cores * 1e6) / (step.claim + step.complete + peerDrainNode),
    ourWorker: (cores * 1e6) / (step.claim + step.complete + ourDrainNode),
    // A bulk enqueue's batch is one transaction: one backend, one core.
    bulk: 1e6 / step.enqueue,
  });
  const ours = ceilings(floor.pressroomIndexes);
  const fewest = ceilings(floor.fewestIndexes);
  const { drainFastest, bulk } = options.peer;

  const cpuRows = FIGURES.map(
    (figure) =>
      `| ${figure} | ${range(of(cpu.pressroom, figure, 'node'))} | ${range(of(cpu.pressroom, figure, 'pg'))} | ${range(of(cpu.graphile, figure, 'node'))} | ${range(of(cpu.graphile, figure, 'pg'))} |`,
  );
  const step = (s: FloorStep) => `${s.enqueue.toFixed(1)} | ${s.claim.toFixed(1)} | ${s.complete.toFixed(1)}`;
  const ceilingRow = (label: string, key: keyof typeof ours, peer: number | undefined) =>
    `| ${label} | ${rate(ours[key])} (${ratio(ours[key], peer)}) | ${rate(fewest[key])} (${ratio(fewest[key], peer)}) | ${peer ? rate(peer) : '—'} |`;
  const reachable = (ceiling: number, peer: number | undefined) => (peer === undefined ? 'not compared (graphile-worker not measured in this run)' : ceiling >= peer ? 'within reach' : 'out of reach');

  const markdown = [
    HEADING,
    '',
    `CPU time per job (\`bench/engine/cpu.ts\`): the benchmark process, in which each engine runs, and the PostgreSQL backends of its database, read from \`/proc\`. ${options.jobs.toLocaleString('en')} jobs, ${options.runs} run${options.runs === 1 ? '' : 's'} per figure after a warm-up, each on a fresh database; the trickle adds jobs one every 2 ms to an idle worker (how a print room sends work), enqueue to completion. µs per job:`,
    '',
    '| figure | Pressroom: Node | Pressroom: PostgreSQL | graphile-worker: Node | graphile-worker: PostgreSQL |',
    '| --- | ---: | ---: | ---: | ---: |',
    ...cpuRows,
    '',
    `The floor of the writes Pressroom promises for every job (\`bench/engine/floor.ts\`): its row and a history entry at enqueue, the row updated and an entry at the claim, the same at completion, each step one committed statement per 1,000 jobs, with nothing read, returned or published; µs of PostgreSQL CPU per job. First with Pressroom's indexes (${floor.indexes.jobs} on \`jobs\`, ${floor.indexes.history} on \`history\`, primary keys included: the claim order, leases, dedupe keys, the API's and dashboard's filters and keyset pages, retention), then with only the primary keys and ${floor.kept.map((k) => `\`${k}\``).join(' and ')}, the fewest any design keeping the rows and the history needs (claiming, a job's history):`,
    '',
    '| indexes | enqueue | claim | completion |',
    '| --- | ---: | ---: | ---: |',
    `| Pressroom's | ${step(floor.pressroomIndexes)} |`,
    `| the fewest | ${step(floor.fewestIndexes)} |`,
    '',
    `What that allows on this machine's ${cores} cores, in jobs/s (beside graphile-worker's figure in the table above; the ratio is the ceiling's over it). A drain needs the claim's and the completion's writes for every job; "with a worker as lean as graphile-worker's" adds the Node CPU graphile-worker spends per drained job (${peerDrainNode.toFixed(0)} µs: its enqueue + drain less its bulk enqueue), and "with Pressroom's worker" the Node CPU Pressroom's own worker spends (${ourDrainNode.toFixed(0)} µs, measured the same way); neither counts anything for reading the jobs, the JSON or the events. A bulk enqueue's batch is one transaction, so one backend on one core does its writes:`,
    '',
    "| ceiling | with Pressroom's indexes | with the fewest | graphile-worker measured |",
    '| --- | ---: | ---: | ---: |',
    ceilingRow('drain: the writes alone', 'writesOnly', drainFastest),
    ceilingRow("drain: the writes and a worker as lean as graphile-worker's", 'leanWorker', drainFastest),
    ceilingRow("drain: the writes and Pressroom's worker", 'ourWorker', drainFastest),
    ceilingRow('bulk enqueue: the writes alone, one backend', 'bulk', bulk),
    '',
    `- Drain ≥ graphile-worker's fastest, with a worker as lean as graphile-worker's and nothing for reads or events: ${reachable(ours.leanWorker, drainFastest)} with Pressroom's indexes, ${reachable(fewest.leanWorker, drainFastest)} with the fewest; with Pressroom's worker: ${reachable(ours.ourWorker, drainFastest)} and ${reachable(fewest.ourWorker, drainFastest)}.`,
    `- Bulk enqueue ≥ the best PostgreSQL peer, with Pressroom's indexes: ${reachable(ours.bulk, bulk)}; with the fewest: ${reachable(fewest.bulk, bulk)}.`,
  ];
  const consoleLines = [
    `CPU per job (µs, Node / PostgreSQL): ${FIGURES.map((f) => `${f}: Pressroom ${range(of(cpu.pressroom, f, 'node'))} / ${range(of(cpu.pressroom, f, 'pg'))}, graphile-worker ${range(of(cpu.graphile, f, 'node'))} / ${range(of(cpu.graphile, f, 'pg'))}`).join('; ')}`,
    `contract floor (µs PostgreSQL per job, enqueue / claim / completion): Pressroom's indexes ${step(floor.pressroomIndexes).replaceAll(' |', ' /')}; the fewest ${step(floor.fewestIndexes).replaceAll(' |', ' /')}`,
    `drain ceiling with a lean worker: ${rate(ours.leanWorker)} jobs/s (Pressroom's indexes), ${rate(fewest.leanWorker)} (the fewest); bulk ceiling: ${rate(ours.bulk)}, ${rate(fewest.bulk)}; graphile-worker: drain ${drainFastest ? rate(drainFastest) : '—'}, bulk ${bulk ? rate(bulk) : '—'}`,
  ];
  return { consoleLines, markdown };
}
