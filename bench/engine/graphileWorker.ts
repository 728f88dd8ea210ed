// graphile-worker 0.17 on its own database: addJobs for bulk, addJob for single, a runner with
// `concurrency: 10` for the figure, and the settings of its performance page for the
// fastest drain (concurrency 24, pool 25, local queue of 500, batched completion and failure).
import { Logger, makeWorkerUtils, run, type Runner, type RunnerOptions, type WorkerUtils } from 'graphile-worker';
import postgres from 'postgres';
import { scratchDatabaseName } from './cpu.ts';
import { chunks, createScratchDatabase, fromClients, now, trickle, waitFor, type DrainMode, type EngineSystem, type Timed } from './system.ts';

const silent = new Logger(() => () => {});

const FASTEST: Partial<RunnerOptions> = {
  concurrency: 24,
  maxPoolSize: 25,
  preset: { worker: { localQueue: { size: 500 }, completeJobBatchDelay: 0, failJobBatchDelay: 0 } },
};

export function createGraphileWorker(options: { databaseUrl: string }): EngineSystem {
  let scratch: Awaited<ReturnType<typeof createScratchDatabase>> | undefined;
  let utils: WorkerUtils | undefined;
  let sql: postgres.Sql | undefined;
  const runners: Runner[] = [];
  const it = () => {
    if (!scratch || !utils || !sql) throw new Error('graphile-worker: setup first');
    return { url: scratch.url, utils, sql };
  };

  const remaining = async () => {
    const [row] = await it().sql`select count(*)::int as n from graphile_worker._private_jobs`;
    return Number(row?.n ?? 0);
  };

  const start = async (extra: Partial<RunnerOptions>, onStart: (payload: { t?: number }) => void = () => {}) => {
    const runner = await run({
      connectionString: it().url,
      concurrency: 10,
      noHandleSignals: true,
      logger: silent,
      taskList: {
        noop: async (payload) => {
          onStart(payload as { t?: number });
        },
      },
      ...extra,
    });
    runners.push(runner);
    return runner;
  };

  return {
    name: 'graphile-worker',
    settings: {
      bulk: 'workerUtils.addJobs in batches of 5,000',
      single: 'workerUtils.addJob, one call per job (pool 10)',
      drain: 'run() with concurrency 10, pool 10, no local queue, unbatched completion (defaults)',
      'drain, fastest': 'concurrency 24, maxPoolSize 25, localQueue.size 500, completeJobBatchDelay 0, failJobBatchDelay 0 (its performance page)',
      latency: 'idle run() at concurrency 10 (defaults), woken by LISTEN/NOTIFY',
      'drain done when': 'graphile_worker._private_jobs is empty (completed jobs are deleted)',
    },
    async setup() {
      scratch = await createScratchDatabase(options.databaseUrl, scratchDatabaseName('graphile'));
      utils = await makeWorkerUtils({ connectionString: scratch.url, logger: silent });
      await utils.migrate();
      sql = postgres(scratch.url, { max: 1, onnotice: () => {} });
    },
    async bulkEnqueue(n): Promise<Timed> {
      const specs = Array.from({ length: n }, (_, i) => ({ identifier: 'noop', payload: { i } }));
      const t = now();
      for (const chunk of chunks(specs, 5_000)) await it().utils.addJobs(chunk);
      return { jobs: n, ms: now() - t };
    },
    async singleEnqueue(n, clients): Promise<Timed> {
      const t = now();
      await fromClients(n, clients, (i) => it().utils.addJob('noop', { i }));
      return { jobs: n, ms: now() - t };
    },
    async drain(n, mode: DrainMode): Promise<Timed> {
      const specs = Array.from({ length: n }, (_, i) => ({ identifier: 'noop', payload: { i } }));
      for (const chunk of chunks(specs, 5_000)) await it().utils.addJobs(chunk);
      const t = now();
      await start(mode === 'fastest' ? FASTEST : { concurrency: mode });
      await waitFor(async () => (await remaining()) === 0, `graphile-worker drain of ${n}`);
      return { jobs: n, ms: now() - t };
    },
    async latency(count, everyMs) {
      const latencies: number[] = [];
      await start({}, (payload) => latencies.push(now() - payload.t!));
      await trickle(count, everyMs, (t) => it().utils.addJob('noop', { t }));
      await waitFor(() => latencies.length >= count, 'graphile-worker latency jobs');
      return latencies;
    },
    async teardown() {
      for (const runner of runners.splice(0)) await runner.stop();
      await utils?.release();
      await sql?.end();
      await scratch?.drop();
      scratch = utils = sql = undefined;
    },
  };
}
