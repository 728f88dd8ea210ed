// A real `pressroom start` process (API, worker with the test handlers, supervisor) for the
// browser tests, on an embedded data folder of its own or on the test file's server database.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createTestDatabase, serverMode, type TestDatabase } from './db.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));

export interface PressroomServer {
  /** http://127.0.0.1:<port> */
  origin: string;
  port: number;
  /** Runs the pressroom CLI on the same database (the server must be stopped in embedded mode). */
  cli(args: string[]): string;
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops it and removes its database. */
  dispose(): Promise<void>;
}

export async function startPressroomServer(): Promise<PressroomServer> {
  const database: TestDatabase | null = serverMode ? await createTestDatabase() : null;
  const dataDir = serverMode ? null : mkdtempSync(path.join(tmpdir(), 'pressroom-browser-'));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...(database ? { DATABASE_URL: database.url!, PRESSROOM_REDIS_PREFIX: database.redisPrefix } : { PRESSROOM_DATA_DIR: dataDir! }),
    PRESSROOM_HANDLERS: 'test/support/handlers.ts',
    PRESSROOM_HOST: '127.0.0.1',
    PRESSROOM_PORT: '0',
    PRESSROOM_POLL_INTERVAL_MS: '200',
    PRESSROOM_SUPERVISOR_INTERVAL_MS: '1000',
    LOG_LEVEL: 'info',
  };
  if (!database) {
    delete env.DATABASE_URL;
    delete env.REDIS_URL;
  }
  let child: ChildProcess | null = null;
  let output = '';
  const server: PressroomServer = {
    origin: '',
    port: 0,
    cli(args) {
      const run = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], { cwd: root, env, encoding: 'utf8' });
      if (run.status !== 0) throw new Error(`pressroom ${args.join(' ')} failed: ${run.stderr}${run.stdout}`);
      return run.stdout;
    },
    async start() {
      output = '';
      const started = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'start', '--no-demo'], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
      child = started;
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`pressroom did not start; output:\n${output}`)), 60_000);
        const onData = (chunk: Buffer) => {
          output += chunk.toString();
          const match = /GraphiQL at (http:\/\/\S+)\/graphql/.exec(output);
          if (match) {
            clearTimeout(timer);
            resolve(match[1]!);
          }
        };
        started.stdout!.on('data', onData);
        started.stderr!.on('data', onData);
        started.once('exit', (code) => {
          clearTimeout(timer);
          reject(new Error(`pressroom exited (${code}); output:\n${output}`));
        });
      });
      server.origin = url;
      server.port = Number(new URL(url).port);
    },
    async stop() {
      const running = child;
      child = null;
      if (!running || running.exitCode !== null || running.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => running.once('exit', () => resolve()));
      running.kill('SIGTERM');
      const timer = setTimeout(() => running.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(timer);
    },
    async dispose() {
      await server.stop();
      await database?.close();
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
  await server.start();
  return server;
}
