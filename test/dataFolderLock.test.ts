// The embedded database is one process per data folder: a second `pressroom` process on a folder
// in use is refused with a message a user can act on, and touches nothing. Runs in both modes: the
// processes here always use the embedded database, in a folder of their own.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import { afterEach, describe, expect, it, onTestFailed } from 'vitest';
import { openDatabase, query } from '../src/db/client.ts';

const root = fileURLToPath(new URL('..', import.meta.url));

interface CliProcess {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<void>;
}

const children: CliProcess[] = [];
const folders: string[] = [];

/** `pressroom <args>` on the embedded database: no DATABASE_URL or REDIS_URL from the test run. */
function pressroom(args: string[], env: Record<string, string>): CliProcess {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'info', ...env };
  for (const name of ['DATABASE_URL', 'REDIS_URL', 'PRESSROOM_HANDLERS'] as const) if (!(name in env)) delete childEnv[name];
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], { cwd: root, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const listeners = new Set<() => void>();
  const onData = (chunk: Buffer) => {
    output += chunk.toString();
    for (const listener of listeners) listener();
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const cli: CliProcess = {
    child,
    output: () => output,
    exited,
    // Generous: PGlite creating its database on a first start takes a minute on a loaded machine.
    waitForOutput(pattern, timeoutMs = 150_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (!pattern.test(output)) return;
          listeners.delete(check);
          clearTimeout(timer);
          resolve();
        };
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(new Error(`pressroom ${args.join(' ')} did not print ${pattern} in time; output:\n${output}`));
        }, timeoutMs);
        listeners.add(check);
        check();
        void exited.then(() => {
          if (listeners.delete(check)) reject(new Error(`pressroom ${args.join(' ')} exited before printing ${pattern}; output:\n${output}`));
        });
      });
    },
  };
  children.push(cli);
  onTestFailed(() => console.warn(`output of pressroom ${args.join(' ')} (pid ${child.pid}):\n${output.slice(-5_000)}`));
  return cli;
}

async function newFolder(): Promise<string> {
  const folder = await mkdtemp(path.join(tmpdir(), 'pressroom-lock-'));
  folders.push(folder);
  return folder;
}

const STACK_FRAME = /^\s+at\s/m;

afterEach(async () => {
  for (const { child } of children.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  await Promise.all(folders.splice(0).map((folder) => rm(folder, { recursive: true, force: true })));
});

describe('the embedded data folder', () => {
  it('refuses a second process on a folder in use, with a clear message, and the refused process changes nothing', async () => {
    const dataDir = path.join(await newFolder(), 'data');
    // Port 0: the API `start` serves takes any free port, so a Pressroom already on 4000 does not matter.
    const env = { PRESSROOM_DATA_DIR: dataDir, PRESSROOM_PORT: '0' };
    const server = pressroom(['start', '--no-demo'], env);
    await server.waitForOutput(/worker started/);

    // A second Pressroom on the folder (commands such as enqueue and migrate reach the running one
    // through its API instead of opening the folder).
    const refused = [pressroom(['start', '--no-demo'], env)];
    for (const cli of refused) {
      expect(await cli.exited).toBe(1);
      expect(cli.output()).toContain('in use by another Pressroom process');
      expect(cli.output()).toContain(path.resolve(dataDir));
      expect(cli.output()).toContain(`pid ${server.child.pid}`);
      expect(cli.output()).not.toMatch(STACK_FRAME);
      expect(cli.output()).not.toMatch(/"job"/);
    }
    // The process holding the folder never noticed.
    expect(server.child.exitCode).toBeNull();
    expect(server.output()).not.toMatch(/lost the lock/);

    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    expect(server.output()).toMatch(/worker stopped/);

    // The folder is free again, and holds nothing from the refused processes.
    const database = await openDatabase({ dataDir });
    try {
      // The process that held it left its trace: it is the same database.
      const workerHistory = await query<{ operation: string }>(database.db, sql`select operation from history where target_type = 'worker' order by id`);
      expect(workerHistory.map((h) => h.operation)).toEqual(['register', 'stopping', 'deregister']);
      // (The refused process would have registered a worker of its own; jobs here are the first process's demos.)
    } finally {
      await database.close();
    }
  }, 400_000);

  it.each([
    { variable: 'PRESSROOM_WORKER_CONCURRENCY', value: 'abc', expected: /PRESSROOM_WORKER_CONCURRENCY: expected a whole number/ },
    { variable: 'DATABASE_URL', value: 'mysql://x', expected: /DATABASE_URL: expected a URL starting with postgres:\/\// },
  ])('stops `pressroom migrate` on a bad $variable, naming it, before touching anything', async ({ variable, value, expected }) => {
    const dataDir = path.join(await newFolder(), 'data');
    const cli = pressroom(['migrate'], { PRESSROOM_DATA_DIR: dataDir, [variable]: value });
    expect(await cli.exited).toBe(1);
    expect(cli.output()).toMatch(/invalid configuration/);
    expect(cli.output()).toMatch(expected);
    expect(cli.output()).not.toMatch(STACK_FRAME);
    expect(existsSync(dataDir)).toBe(false);
  });
});

describe('after a crash', () => {
  it('a Pressroom killed with SIGKILL restarts at once on its folder: the dead process\'s lock is taken over, its data kept', async () => {
    const dataDir = path.join(await newFolder(), 'data');
    const env = { PRESSROOM_DATA_DIR: dataDir, PRESSROOM_PORT: '0' };
    const first = pressroom(['start', '--no-demo'], env);
    await first.waitForOutput(/worker started/);
    const another = pressroom(['start', '--no-demo'], env);
    // Refused while the first process lives: the lock is not taken from a live process.
    expect(await another.exited).toBe(1);
    expect(another.output()).toContain('in use by another Pressroom process');

    first.child.kill('SIGKILL');
    expect(await first.exited).toBeNull();
    // Without the takeover this start would be refused at once (exit 1), the lock not yet 15 s stale.
    const restarted = Date.now();
    const second = pressroom(['start', '--no-demo'], env);
    await second.waitForOutput(/worker started/);
    console.info(`restarted on the folder ${Date.now() - restarted} ms after SIGKILL`);
    expect(second.output()).not.toContain('in use by another Pressroom process');
    expect(second.output()).not.toMatch(STACK_FRAME);
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);

    const database = await openDatabase({ dataDir });
    try {
      const workers = await query<{ pid: number }>(database.db, sql`select pid from workers order by started_at`);
      expect(workers.map((w) => Number(w.pid))).toEqual([first.child.pid, second.child.pid]);
    } finally {
      await database.close();
    }
  }, 400_000);
});
