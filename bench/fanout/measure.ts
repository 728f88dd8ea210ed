// One fan-out measurement: a fresh database, one `pressroom serve`, N graphql-ws subscribers
// from client processes, then a worker process reporting progress through Redis.
import type { ChildProcess } from 'node:child_process';
import pino from 'pino';
import { openDatabase } from '../../src/db/client.ts';
import { migrateDatabase } from '../../src/db/migrate.ts';
import { enqueueJob } from '../../src/services/engine/jobs/enqueue.ts';
import { createScratchDatabase } from '../engine/system.ts';
import { FANOUT_KIND, handlers } from './handler.ts';
import { KindRegistry } from '../../src/services/engine/kinds/registry.ts';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { collectGarbage, InspectorSession, INSPECT_ARG, INSPECTOR_URL, startCpuProfile } from './inspector.ts';
import { monitorProgress, type PublishMonitor } from './monitor.ts';
import { cpuMs, rssBytes } from './proc.ts';
import { spawnPressroom, type PressroomProcess } from '../pressroomProcess.ts';
import { forkClient } from './processes.ts';
import type { ClientReport, FromClient, ToClient } from './protocol.ts';
import { createServiceContext } from '../../src/services/createServiceContext.ts';

export interface FanoutSettings {
  databaseUrl: string;
  redisUrl: string;
  /** Processes the subscribers are spread over. */
  clientProcesses: number;
  /** Running jobs the subscribers follow (subscriber i follows job i mod jobs). */
  jobs: number;
  /** Progress reports per job. */
  eventsPerJob: number;
  /** Between two reports of one job; the jobs' reports are spread evenly over it. */
  intervalMs: number;
  /** When set, a CPU profile of the API while streaming is written there (fanout-<N>.cpuprofile). */
  profileDir?: string;
}

export interface FanoutResult {
  subscribers: number;
  /** Progress reports the worker published through Redis. */
  published: number;
  /** What the subscribers should have received: each report of their job after their snapshot. */
  expected: number;
  delivered: number;
  lost: number;
  latency: { p50: number; p99: number; max: number };
  rssBeforeBytes: number;
  rssIdleBytes: number;
  /** (RSS with every subscriber connected and idle − RSS before) / subscribers, after a full GC each. */
  rssPerIdleSubscriberBytes: number;
  /** API CPU time over the streaming window / its wall time (100% = one core). */
  cpuPercent: number;
  /** The same for all client processes together. */
  clientCpuPercent: number;
  streamingMs: number;
  connectMs: number;
  errors: string[];
}

const QUEUE = 'bench-fanout';

export async function measureFanout(subscribers: number, settings: FanoutSettings, log: (line: string) => void): Promise<FanoutResult> {
  const prefix = `bench_fanout_${process.pid}_${subscribers}`;
  const scratch = await createScratchDatabase(settings.databaseUrl, prefix);
  const env = {
    DATABASE_URL: scratch.url,
    REDIS_URL: settings.redisUrl,
    PRESSROOM_REDIS_PREFIX: prefix,
    NODE_ENV: 'production',
    // Every subscriber connects from this machine's one address.
    PRESSROOM_LIMIT_WS_CONNECTIONS_PER_ADDRESS: '0',
    PRESSROOM_LIMIT_SUBSCRIPTIONS_PER_ADDRESS: '0',
  };
  const processes: PressroomProcess[] = [];
  const clients: ClientProcess[] = [];
  let monitor: PublishMonitor | undefined;
  let inspector: InspectorSession | undefined;
  try {
    const jobIds = await enqueueBenchJobs(scratch.url, settings);

    const api = spawnPressroom('serve', { ...env, PRESSROOM_HOST: '127.0.0.1', PRESSROOM_PORT: '0', LOG_LEVEL: 'info' }, [INSPECT_ARG]);
    processes.push(api);
    const [, inspectorUrl] = await api.waitFor(INSPECTOR_URL);
    const [, url] = await api.waitFor(/GraphiQL at (http:\/\/\S+\/graphql)/);
    inspector = await InspectorSession.open(inspectorUrl!);
    const restingRss = async () => {
      await collectGarbage(inspector!);
      return rssBytes(api.pid);
    };
    const rssBeforeBytes = await restingRss();

    const connectStart = performance.now();
    const processCount = Math.min(settings.clientProcesses, subscribers);
    for (let p = 0; p < processCount; p++) clients.push(new ClientProcess(forkClient()));
    const assigned = clients.map(() => [] as number[]);
    for (let i = 0; i < subscribers; i++) assigned[i % processCount]!.push(jobIds[i % jobIds.length]!);
    await Promise.all(clients.map((client, p) => client.request({ type: 'connect', url: url!, jobIds: assigned[p]! }, 'connected', 600_000)));
    const connectMs = performance.now() - connectStart;
    const rssIdleBytes = await restingRss();
    log(`  ${subscribers} subscribers live in ${(connectMs / 1000).toFixed(1)} s; API RSS ${mb(rssBeforeBytes)} → ${mb(rssIdleBytes)}`);

    monitor = await monitorProgress(settings.redisUrl, prefix);
    // CPU of the API, and of the client processes (on the same cores), over the streaming window.
    const cpuNow = () => ({ api: cpuMs(api.pid), clients: clients.reduce((sum, client) => sum + cpuMs(client.pid), 0), at: performance.now() });
    let streamStart: ReturnType<typeof cpuNow> | undefined;
    void monitor.first.then(() => (streamStart = cpuNow()));
    const done = Promise.all(clients.map((client) => client.next('done')));
    const stopProfile = settings.profileDir ? await startCpuProfile(inspector) : null;
    processes.push(
      spawnPressroom('worker', { ...env, PRESSROOM_HANDLERS: 'bench/fanout/handler.ts', PRESSROOM_WORKER_QUEUES: QUEUE, PRESSROOM_WORKER_CONCURRENCY: String(settings.jobs), LOG_LEVEL: 'warn' }),
    );
    // Every subscriber sees its job complete; one that never does is counted in what is lost.
    const streamingDeadline = settings.eventsPerJob * settings.intervalMs + 120_000;
    const complete = await withDeadline(done, streamingDeadline);
    const streamEnd = cpuNow();
    if (stopProfile) await writeFile(path.join(settings.profileDir!, `fanout-${subscribers}.cpuprofile`), JSON.stringify(await stopProfile()));
    const reports = await Promise.all(clients.map((client) => client.request({ type: 'report' }, 'report', 60_000)));
    const result = tally(subscribers, monitor, reports.map((r) => (r as Extract<FromClient, { type: 'report' }>).report));
    if (!complete) result.errors.unshift(`not every subscriber saw its job complete within ${streamingDeadline} ms`);
    return {
      ...result,
      rssBeforeBytes,
      rssIdleBytes,
      rssPerIdleSubscriberBytes: (rssIdleBytes - rssBeforeBytes) / subscribers,
      cpuPercent: streamStart ? (100 * (streamEnd.api - streamStart.api)) / (streamEnd.at - streamStart.at) : NaN,
      clientCpuPercent: streamStart ? (100 * (streamEnd.clients - streamStart.clients)) / (streamEnd.at - streamStart.at) : NaN,
      streamingMs: streamStart ? streamEnd.at - streamStart.at : NaN,
      connectMs,
    };
  } finally {
    inspector?.close();
    monitor?.close();
    await Promise.all(clients.map((client) => client.close()));
    // The worker first: it must not find its API's subscribers gone mid-run, and the API last.
    for (const child of processes.reverse()) await child.stop();
    await scratch.drop();
  }
}

/** Enqueues the jobs the subscribers follow (queued until the worker process starts). */
async function enqueueBenchJobs(url: string, settings: FanoutSettings): Promise<number[]> {
  const database = await openDatabase({ url, poolSize: 2 });
  const services = createServiceContext(database.db, { log: pino({ level: 'warn' }), kinds: new KindRegistry(handlers) });
  try {
    await migrateDatabase(database, url);
    const ids: number[] = [];
    for (let j = 0; j < settings.jobs; j++) {
      const payload = { events: settings.eventsPerJob, intervalMs: settings.intervalMs, offsetMs: Math.floor((j * settings.intervalMs) / settings.jobs) };
      const { job } = await enqueueJob(services, { kind: FANOUT_KIND, queue: QUEUE, payload }, { actor: 'bench' });
      ids.push(job.id);
    }
    return ids;
  } finally {
    await services.notifier.drain().catch(() => {});
    await database.close();
  }
}

function tally(subscribers: number, monitor: PublishMonitor, reports: ClientReport[]) {
  let expected = 0;
  let delivered = 0;
  let lost = 0;
  for (const { received } of reports) {
    for (const { jobId, fromSeq, count, lastSeq } of received) {
      const published = [...(monitor.published.get(jobId) ?? [])];
      const due = published.filter((seq) => seq > fromSeq).length;
      expected += due;
      delivered += count;
      // A subscription shows the job as it is when it reads it: a report superseded by a newer one
      // before the read is skipped by design. Lost is what a subscriber never caught up with: the
      // reports after the last one it received.
      lost += published.filter((seq) => seq > Math.max(fromSeq, lastSeq)).length;
    }
  }
  const latencies = reports.flatMap((r) => r.latencies).sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? NaN;
  return {
    subscribers,
    published: monitor.total(),
    expected,
    delivered,
    lost,
    latency: { p50: at(0.5), p99: at(0.99), max: latencies.at(-1) ?? NaN },
    errors: reports.flatMap((r) => r.errors).slice(0, 10),
  };
}

/** A client process and the messages it sends, awaited by type. */
class ClientProcess {
  private readonly inbox: FromClient[] = [];
  private readonly waiters = new Set<() => void>();
  private readonly exited: Promise<void>;

  readonly pid: number;

  constructor(private readonly child: ChildProcess) {
    this.pid = child.pid!;
    child.on('message', (message: FromClient) => {
      this.inbox.push(message);
      for (const wake of this.waiters) wake();
    });
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    void this.exited.then(() => {
      for (const wake of this.waiters) wake();
    });
  }

  request(message: ToClient, reply: FromClient['type'], timeoutMs: number): Promise<FromClient> {
    const answer = this.next(reply, timeoutMs);
    this.child.send(message);
    return answer;
  }

  /** The next message of type `type` (or a failure), within the deadline. */
  next(type: FromClient['type'], timeoutMs = Infinity): Promise<FromClient> {
    return new Promise((resolve, reject) => {
      const timer = Number.isFinite(timeoutMs) ? setTimeout(() => settle(new Error(`no '${type}' from a client process within ${timeoutMs} ms`)), timeoutMs) : undefined;
      const settle = (error?: Error, message?: FromClient) => {
        clearTimeout(timer);
        this.waiters.delete(check);
        if (error) reject(error);
        else resolve(message!);
      };
      const check = () => {
        const index = this.inbox.findIndex((m) => m.type === type || m.type === 'failed');
        if (index >= 0) {
          const [message] = this.inbox.splice(index, 1);
          if (message!.type === 'failed') settle(new Error(`a client process failed: ${message!.error}`));
          else settle(undefined, message);
        } else if (this.child.exitCode !== null || this.child.signalCode !== null) {
          settle(new Error(`a client process exited (${this.child.exitCode ?? this.child.signalCode})`));
        }
      };
      this.waiters.add(check);
      check();
    });
  }

  async close() {
    if (this.child.exitCode === null && this.child.signalCode === null && this.child.connected) this.child.send({ type: 'close' } satisfies ToClient);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    await this.exited;
    clearTimeout(timer);
  }
}

/** Whether `promise` settled within `ms` (a rejection still throws). */
async function withDeadline(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  const settled = promise.then(() => true as const);
  settled.catch(() => {}); // a failure after the deadline is not this caller's any more
  try {
    return await Promise.race([settled, expired]);
  } finally {
    clearTimeout(timer);
  }
}

const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MB`;
