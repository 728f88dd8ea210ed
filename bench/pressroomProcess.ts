// `pressroom serve` / `pressroom worker` as child processes of a benchmark, as they run in
// production (through tsx, from this tree), watched for what they print.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('..', import.meta.url));

export interface PressroomProcess {
  child: ChildProcess;
  pid: number;
  output: () => string;
  /** Resolves with the first match of `pattern` in the output; rejects at the deadline or when the process exits. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
  stop(): Promise<void>;
}

/**
 * Runs `pressroom <command>` with `env` over this environment; `nodeArgs` go to node itself. From
 * the source through tsx (handlers written in TypeScript load), or from the compiled build as
 * `npm start` runs it (dist/, made by `npm run build`).
 */
export function spawnPressroom(
  command: 'serve' | 'worker' | 'supervisor' | 'start',
  env: Record<string, string>,
  nodeArgs: string[] = [],
  from: 'source' | 'build' = 'source',
): PressroomProcess {
  const cli = from === 'build' ? ['dist/cli.js'] : ['--import', 'tsx', 'src/cli.ts'];
  const child = spawn(process.execPath, [...nodeArgs, ...cli, command], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return watched(child, `pressroom ${command}`);
}

function watched(child: ChildProcess, name: string): PressroomProcess {
  let output = '';
  const waiters = new Set<() => void>();
  const onData = (chunk: Buffer) => {
    output += chunk.toString();
    for (const wake of waiters) wake();
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  void exited.then(() => {
    for (const wake of waiters) wake();
  });
  return {
    child,
    pid: child.pid!,
    output: () => output,
    waitFor(pattern, timeoutMs = 60_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => settle(new Error(`${name} did not print ${pattern} within ${timeoutMs} ms; output:\n${output}`)), timeoutMs);
        const settle = (error?: Error, match?: RegExpExecArray) => {
          clearTimeout(timer);
          waiters.delete(check);
          if (error) reject(error);
          else resolve(match!);
        };
        const check = () => {
          const match = pattern.exec(output);
          if (match) settle(undefined, match);
          else if (child.exitCode !== null || child.signalCode !== null) settle(new Error(`${name} exited (${child.exitCode ?? child.signalCode}); output:\n${output}`));
        };
        waiters.add(check);
        check();
      });
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      // A process that does not shut down in time is killed: the bench must not leave any behind.
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
