// `pressroom <args>` as a child process, from the TypeScript sources (never a stale build), on the
// embedded database in a folder of the test's own: DATABASE_URL, REDIS_URL and PRESSROOM_HANDLERS
// of the test run are not passed on unless `env` sets them.
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, onTestFailed } from 'vitest';

export const root = fileURLToPath(new URL('../..', import.meta.url));

export interface CliProcess {
  child: ChildProcess;
  output: () => string;
  stdout: () => string;
  /** Its exit code, once its output is all read. */
  exited: Promise<number | null>;
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<void>;
}

const children: { cli: CliProcess; detached: boolean }[] = [];
const folders: string[] = [];

export function cliEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'info', ...env };
  for (const name of ['DATABASE_URL', 'REDIS_URL', 'PRESSROOM_HANDLERS'] as const) if (!(name in env)) delete childEnv[name];
  // Not started through npm: the npm-parent watch stays off unless a test starts it through npm.
  for (const name of Object.keys(childEnv)) if (name.startsWith('npm_')) delete childEnv[name];
  return childEnv;
}

export function pressroom(args: string[], env: Record<string, string>): CliProcess {
  return watch(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], { env: cliEnv(env) }, `pressroom ${args.join(' ')}`);
}

/** Any command (npm, a shell) run in the checkout, watched the same way. */
export function watch(command: string, args: string[], options: SpawnOptions, name = `${command} ${args.join(' ')}`): CliProcess {
  const child = spawn(command, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], ...options });
  let output = '';
  let stdout = '';
  const listeners = new Set<() => void>();
  const onData = (chunk: Buffer) => {
    output += chunk.toString();
    for (const listener of listeners) listener();
  };
  child.stdout!.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    onData(chunk);
  });
  child.stderr!.on('data', onData);
  // Once its output is all read ('exit' may come before the last of it).
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  const closed = exited.then(() => {});
  const cli: CliProcess = {
    child,
    output: () => output,
    stdout: () => stdout,
    exited,
    waitForOutput(pattern, timeoutMs = 60_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (!pattern.test(output)) return;
          listeners.delete(check);
          clearTimeout(timer);
          resolve();
        };
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(new Error(`${name} did not print ${pattern} in time; output:\n${output}`));
        }, timeoutMs);
        listeners.add(check);
        check();
        // When the pipes close, not at its exit: a wrapper (npm) may exit while the process it started still writes to them.
        void closed.then(() => {
          if (listeners.delete(check)) reject(new Error(`${name} ended before printing ${pattern}; output:\n${output}`));
        });
      });
    },
  };
  children.push({ cli, detached: Boolean(options.detached) });
  onTestFailed(() => console.warn(`output of ${name} (pid ${child.pid}):\n${output.slice(-5_000)}`));
  return cli;
}

export async function newFolder(): Promise<string> {
  const folder = await mkdtemp(path.join(tmpdir(), 'pressroom-cli-'));
  folders.push(folder);
  return folder;
}

export const STACK_FRAME = /^\s+at\s/m;

/** Registers the clean-up: every process still running is killed, every folder removed. */
export function useCliProcesses(): void {
  afterEach(async () => {
    for (const { cli, detached } of children.splice(0)) {
      // A process started in a group of its own (detached, like a terminal's) goes with its group.
      if (detached) {
        try {
          process.kill(-cli.child.pid!, 'SIGKILL');
        } catch {
          // the group is gone
        }
      } else if (cli.child.exitCode === null && cli.child.signalCode === null) cli.child.kill('SIGKILL');
    }
    await Promise.all(folders.splice(0).map((folder) => rm(folder, { recursive: true, force: true })));
  });
}
