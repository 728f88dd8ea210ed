// BullMQ 5 on Redis, for reference: a fresh key prefix per figure, removed (obliterated) after.
// Completed jobs are kept (its default), as Pressroom keeps its history. Concurrency 10 for the
// issue's figure; its fastest here is concurrency 100 (BullMQ's docs give no single fastest
// setting: concurrency is the knob for no-op, I/O-bound work).
import { Queue, Worker, type RedisOptions } from 'bullmq';
import { chunks, fromClients, now, trickle, waitFor, type DrainMode, type EngineSystem, type Timed } from './system.ts';

const QUEUE = 'noop';
const FASTEST_CONCURRENCY = 100;

function redisOptions(url: string): RedisOptions {
  const parsed = new URL(url);
  return {
    host: parsed.hostname,
    port: Number(parsed.port || 6379),
    db: parsed.pathname.length > 1 ? Number(parsed.pathname.slice(1)) : 0,
    ...(parsed.password ? { password: decodeURIComponent(parsed.password) } : {}),
    maxRetriesPerRequest: null,
  };
}

export function createBullMQ(options: { redisUrl: string }): EngineSystem {
  const connection = redisOptions(options.redisUrl);
  let figure = 0;
  let prefix = '';
  let queue: Queue | undefined;
  const workers: Worker[] = [];
  const it = () => {
    if (!queue) throw new Error('bullmq: setup first');
    return queue;
  };
  const start = (concurrency: number, onStart: (data: { t?: number }) => void = () => {}) => {
    const worker = new Worker(QUEUE, async (job) => onStart(job.data as { t?: number }), { connection, prefix, concurrency });
    worker.on('error', (error) => console.error('bullmq worker:', error));
    workers.push(worker);
    return worker;
  };
  const bulk = async (n: number) => {
    const jobs = Array.from({ length: n }, (_, i) => ({ name: QUEUE, data: { i } }));
    for (const chunk of chunks(jobs, 5_000)) await it().addBulk(chunk);
  };

  return {
    name: 'BullMQ (Redis)',
    settings: {
      bulk: 'queue.addBulk in batches of 5,000',
      single: 'queue.add, one call per job, one shared connection',
      drain: 'one Worker at concurrency 10, completed jobs kept (defaults)',
      'drain, fastest': `one Worker at concurrency ${FASTEST_CONCURRENCY}`,
      latency: 'one idle Worker at concurrency 10 (blocking fetch)',
    },
    async setup() {
      prefix = `bench-${process.pid}-${++figure}`;
      queue = new Queue(QUEUE, { connection, prefix });
      await queue.waitUntilReady();
    },
    async bulkEnqueue(n): Promise<Timed> {
      const t = now();
      await bulk(n);
      return { jobs: n, ms: now() - t };
    },
    async singleEnqueue(n, clients): Promise<Timed> {
      const t = now();
      await fromClients(n, clients, (i) => it().add(QUEUE, { i }));
      return { jobs: n, ms: now() - t };
    },
    async drain(n, mode: DrainMode): Promise<Timed> {
      await bulk(n);
      let done = 0;
      const t = now();
      const worker = start(mode === 'fastest' ? FASTEST_CONCURRENCY : mode);
      worker.on('completed', () => done++);
      await waitFor(() => done >= n, `bullmq drain of ${n}`);
      return { jobs: n, ms: now() - t };
    },
    async latency(count, everyMs) {
      const latencies: number[] = [];
      const worker = start(10, (data) => latencies.push(now() - data.t!));
      await worker.waitUntilReady();
      await trickle(count, everyMs, (t) => it().add(QUEUE, { t }));
      await waitFor(() => latencies.length >= count, 'bullmq latency jobs');
      return latencies;
    },
    async teardown() {
      for (const worker of workers.splice(0)) await worker.close(true);
      if (queue) {
        await queue.obliterate({ force: true });
        await queue.close();
      }
      queue = undefined;
    },
  };
}
