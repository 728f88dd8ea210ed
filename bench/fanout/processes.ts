// The fan-out bench's client processes.
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { root } from '../pressroomProcess.ts';

/** Forks a client process (bench/fanout/client.ts), talking over IPC. */
export function forkClient(): ChildProcess {
  return fork(fileURLToPath(new URL('./client.ts', import.meta.url)), [], {
    cwd: root,
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
}
