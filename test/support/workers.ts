// Workers for tests: in this process on the test database, or as real `pressroom worker`
// processes (server mode) with the test handlers loaded.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ServiceContext } from '../../src/services/context.ts';
import type { Database } from '../../src/db/client.ts';
import { createRegistry } from '../../src/worker/handler.ts';
import { Worker, type WorkerOptions } from '../../src/worker/worker.ts';
import { handlers } from './handlers.ts';
import { engineHandlers } from '../../src/handlers/index.ts';
import type { TestDatabase } from './db.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));

export async function startTestWorker(
  services: ServiceContext,
  database: Pick<Database, 'listen'>,
  options: Partial<Omit<WorkerOptions, 'services' | 'database'>> = {},
): Promise<Worker> {
  const worker = new Worker({
    services,
    database,
    handlers: createRegistry([...engineHandlers, ...handlers]),
    queues: null,
    concurrency: 5,
    leaseMs: 5_000,
    pollIntervalMs: 200,
    shutdownGraceMs: 2_000,
    ...options,
  });
  await worker.start();
  return worker;
}

export interface WorkerProcess {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
  /** Resolves when the process printed a line matching `pattern`. */
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<void>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * A real `pressroom worker` process (or `pressroom supervisor`) on the test database (server mode
 * only). Its supervisor runner ticks every 200 ms under a 1.5 s lease, so that a process killed
 * while it supervises is replaced (and the leases it left recovered) quickly.
 */
export function spawnWorkerProcess(test: TestDatabase, env: Record<string, string> = {}, command: 'worker' | 'supervisor' = 'worker'): WorkerProcess {
  if (!test.url) throw new Error('worker processes need a server database (DATABASE_URL)');
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', command], {
    cwd: root,
    env: {
      ...process.env,
      DATABASE_URL: test.url,
      PRESSROOM_REDIS_PREFIX: test.redisPrefix,
      PRESSROOM_HANDLERS: 'test/support/handlers.ts',
      PRESSROOM_POLL_INTERVAL_MS: '200',
      PRESSROOM_LEASE_MS: '3000',
      PRESSROOM_SHUTDOWN_GRACE_MS: '3000',
      PRESSROOM_SUPERVISOR_INTERVAL_MS: '200',
      PRESSROOM_SUPERVISOR_LEASE_MS: '1500',
      PRESSROOM_DB_POOL_SIZE: '4',
      LOG_LEVEL: 'info',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const waiters: { pattern: RegExp; resolve: () => void }[] = [];
  const onData = (chunk: Buffer) => {
    output += chunk.toString();
    for (const waiter of [...waiters]) {
      if (waiter.pattern.test(output)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    }
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    output: () => output,
    exited,
    waitForOutput(pattern, timeoutMs = 30_000) {
      if (pattern.test(output)) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`worker process did not print ${pattern} in time; output:\n${output}`)), timeoutMs);
        waiters.push({ pattern, resolve: () => (clearTimeout(timer), resolve()) });
        void exited.then(() => reject(new Error(`worker process exited before printing ${pattern}; output:\n${output}`)));
      });
    },
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}
