// PostgreSQL restarted under load: API calls (enqueues and reads) and jobs keep flowing through a
// `pressroom serve` and two `pressroom worker` processes while PostgreSQL stops and starts again.
// Counts calls by outcome (served, DATABASE_UNAVAILABLE 503, other errors, no answer in 10 s),
// the slowest answer, acknowledged jobs that never complete, processes that died, and the time to
// the first served call after each restart.
import { sql } from 'drizzle-orm';
import { query } from '../src/db/client.ts';
import type { Cluster } from './cluster.ts';
import { percentile, sleep } from './cluster.ts';
import { until } from './workerKills.ts';

export interface PostgresRestartsResult {
  restarts: number;
  calls: number;
  served: number;
  unavailable: number;
  otherErrors: number;
  hangs: number;
  /** The longest any answered call took (ms): bounded by the connect timeout plus 0.1 s. */
  slowestMs: number;
  acknowledged: number;
  lost: number;
  processesDied: number;
  /** From PostgreSQL accepting connections again to the first served call (ms), sorted. */
  recoveryMs: number[];
}

const QUEUE = 'chaos-pg';

export async function runPostgresRestarts(cluster: Cluster, restarts: number, log: (line: string) => void): Promise<PostgresRestartsResult> {
  const { process: api, url } = await cluster.serve();
  const processes = [api];
  for (let w = 0; w < 2; w++) {
    const worker = cluster.spawn('worker', { PRESSROOM_WORKER_QUEUES: QUEUE, LOG_LEVEL: 'info' });
    processes.push(worker);
    await worker.waitFor(/worker started/, 120_000);
  }
  const result: PostgresRestartsResult = { restarts, calls: 0, served: 0, unavailable: 0, otherErrors: 0, hangs: 0, slowestMs: 0, acknowledged: 0, lost: 0, processesDied: 0, recoveryMs: [] };
  let backAt = 0;
  let running = true;
  const call = async (document: string) => {
    result.calls++;
    const started = Date.now();
    try {
      const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify({ query: document }), signal: AbortSignal.timeout(10_000) });
      const body = (await response.json()) as { data?: { enqueueJob?: { __typename: string } }; errors?: { extensions?: { code?: string } }[] };
      result.slowestMs = Math.max(result.slowestMs, Date.now() - started);
      if (response.status === 200 && !body.errors) {
        result.served++;
        if (backAt) {
          result.recoveryMs.push(Date.now() - backAt);
          backAt = 0;
        }
        if (body.data?.enqueueJob?.__typename === 'EnqueueResult') result.acknowledged++;
      } else if (response.status === 503 && body.errors?.[0]?.extensions?.code === 'DATABASE_UNAVAILABLE') result.unavailable++;
      else result.otherErrors++;
    } catch (error) {
      if ((error as Error).name === 'TimeoutError') result.hangs++;
      else result.otherErrors++;
    }
  };
  const load = (async () => {
    while (running) {
      await Promise.all([
        call(`mutation { enqueueJob(input: { kind: "chaos.effect", queue: "${QUEUE}" }) { __typename } }`),
        call(`{ queues { name stats { queued running } } }`),
      ]);
      await sleep(20);
    }
  })();
  await sleep(3_000);
  for (let r = 0; r < restarts; r++) {
    await cluster.postgres.stop('fast');
    await sleep(2_000);
    await cluster.postgres.start();
    backAt = Date.now();
    await until(async () => (backAt === 0 ? true : null), 60_000).catch(() => null);
    log(`postgres restart ${r + 1}/${restarts}: first served call ${result.recoveryMs.at(-1) ?? '–'} ms after it was back`);
    await sleep(3_000);
  }
  running = false;
  await load;
  result.processesDied = processes.filter((p) => p.child.exitCode !== null || p.child.signalCode !== null).length;
  // Every acknowledged enqueue is a job that must complete.
  await until(async () => {
    const [row] = await query<{ open: string }>(cluster.services.db, sql`select count(*) as open from jobs where queue = ${QUEUE} and status in ('queued', 'running')`);
    return Number(row?.open) === 0 || null;
  }, 120_000).catch(() => null);
  const [row] = await query<{ completed: string }>(cluster.services.db, sql`select count(*) as completed from jobs where queue = ${QUEUE} and status = 'completed'`);
  result.lost = Math.max(0, result.acknowledged - Number(row?.completed));
  result.recoveryMs.sort((a, b) => a - b);
  log(`postgres restarts: recovery p50 ${percentile(result.recoveryMs, 0.5)} ms`);
  return result;
}
