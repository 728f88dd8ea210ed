// pg-boss 10 on its own database. It polls (no LISTEN/NOTIFY; 0.5 s is the shortest interval it
// accepts) and waits out the interval after every fetch, so its throughput is batchSize per
// worker per interval. Concurrency 10 is ten work() calls fetching one job each (pg-boss 10 has no
// concurrency option; its docs say to call work() more than once); its fastest is one work() with
// 5,000-job fetches.
import PgBoss from 'pg-boss';
import postgres from 'postgres';
import { chunks, createScratchDatabase, fromClients, now, trickle, waitFor, type DrainMode, type EngineSystem, type Timed } from './system.ts';

const QUEUE = 'noop';
const POLL_SECONDS = 0.5;
/** Ten one-job workers drain 20 jobs/s at best: the concurrency-10 drain covers at most this many. */
const CONCURRENT_DRAIN_CAP = 500;

export function createPgBoss(options: { databaseUrl: string }): EngineSystem {
  let scratch: Awaited<ReturnType<typeof createScratchDatabase>> | undefined;
  let boss: PgBoss | undefined;
  let sql: postgres.Sql | undefined;
  const it = () => {
    if (!boss || !sql) throw new Error('pg-boss: setup first');
    return { boss, sql };
  };

  const completedCount = async () => {
    const [row] = await it().sql`select count(*)::int as n from pgboss.job where name = ${QUEUE} and state = 'completed'`;
    return Number(row?.n ?? 0);
  };
  const insert = async (n: number) => {
    const jobs = Array.from({ length: n }, (_, i) => ({ name: QUEUE, data: { i } }));
    for (const chunk of chunks(jobs, 5_000)) await it().boss.insert(chunk);
  };

  return {
    name: 'pg-boss',
    settings: {
      constructor: `pool max 12, pollingIntervalSeconds ${POLL_SECONDS} (its minimum), schedule off, standard queue`,
      bulk: 'boss.insert in batches of 5,000',
      single: 'boss.send, one call per job',
      drain: `ten work() calls with batchSize 1; covers at most ${CONCURRENT_DRAIN_CAP} jobs (20 jobs/s by design)`,
      'drain, fastest': 'one work() with batchSize 5,000, the batch completed when its handler returns',
      latency: `one idle work() with batchSize 5,000 (one-job fetches fall behind 200 jobs/s), polling every ${POLL_SECONDS} s`,
    },
    async setup() {
      scratch = await createScratchDatabase(options.databaseUrl, `bench_pgboss_${process.pid}`);
      boss = new PgBoss({ connectionString: scratch.url, max: 12, schedule: false, pollingIntervalSeconds: POLL_SECONDS });
      boss.on('error', (error) => console.error('pg-boss:', error));
      await boss.start();
      await boss.createQueue(QUEUE);
      sql = postgres(scratch.url, { max: 1, onnotice: () => {} });
    },
    async bulkEnqueue(n): Promise<Timed> {
      const t = now();
      await insert(n);
      return { jobs: n, ms: now() - t };
    },
    async singleEnqueue(n, clients): Promise<Timed> {
      const t = now();
      await fromClients(n, clients, (i) => it().boss.send(QUEUE, { i }));
      return { jobs: n, ms: now() - t };
    },
    async drain(n, mode: DrainMode): Promise<Timed> {
      const jobs = mode === 'fastest' ? n : Math.min(n, CONCURRENT_DRAIN_CAP);
      await insert(jobs);
      const t = now();
      if (mode === 'fastest') await it().boss.work(QUEUE, { batchSize: 5_000 }, async () => {});
      else for (let i = 0; i < mode; i++) await it().boss.work(QUEUE, { batchSize: 1 }, async () => {});
      await waitFor(async () => (await completedCount()) >= jobs, `pg-boss drain of ${jobs}`);
      return { jobs, ms: now() - t };
    },
    async latency(count, everyMs) {
      const latencies: number[] = [];
      await it().boss.work<{ t: number }>(QUEUE, { batchSize: 5_000 }, async (jobs) => {
        const started = now();
        for (const job of jobs) latencies.push(started - job.data.t);
      });
      await trickle(count, everyMs, (t) => it().boss.send(QUEUE, { t }));
      await waitFor(() => latencies.length >= count, 'pg-boss latency jobs');
      return latencies;
    },
    async teardown() {
      await boss?.stop({ graceful: false, wait: true });
      await sql?.end();
      await scratch?.drop();
      scratch = boss = sql = undefined;
    },
  };
}
