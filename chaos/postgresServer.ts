// A PostgreSQL of our own for the reliability suite: initdb into a temporary folder, its own
// loopback port, started and stopped with pg_ctl, so that the suite may restart it under load.
// PostgreSQL refuses to run as root: as root, the commands run as the `postgres` user.
import { execFile, execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { chown, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './freePort.ts';

const run = promisify(execFile);
const BIN = process.env.PG_BIN ?? '/usr/lib/postgresql/15/bin';
const SERVICE_USER = 'postgres';

export interface PostgresServer {
  /** postgres://… of the `root` superuser's `postgres` database (trust authentication, loopback only). */
  readonly url: string;
  readonly port: number;
  start(): Promise<void>;
  /** `fast`: connections are ended, transactions rolled back (a restart under load). */
  stop(mode?: 'fast' | 'immediate'): Promise<void>;
  restart(): Promise<void>;
  destroy(): Promise<void>;
  /** Stops it at once, synchronously (the suite's process is exiting), and removes its folder. */
  destroyNow(): void;
}

function serviceUserCommand(command: string, args: string[]): [string, string[]] {
  return process.getuid?.() === 0 ? ['runuser', ['-u', SERVICE_USER, '--', command, ...args]] : [command, args];
}

async function asServiceUser(command: string, args: string[]) {
  const [file, argv] = serviceUserCommand(command, args);
  return run(file, argv, { maxBuffer: 10 * 1024 * 1024 });
}

export async function startPostgresServer(): Promise<PostgresServer> {
  const folder = await mkdtemp(path.join(tmpdir(), 'pressroom-chaos-pg-'));
  if (process.getuid?.() === 0) {
    const { stdout } = await run('id', ['-u', SERVICE_USER]);
    const { stdout: gid } = await run('id', ['-g', SERVICE_USER]);
    await chown(folder, Number(stdout.trim()), Number(gid.trim()));
  }
  const data = path.join(folder, 'data');
  const port = await freePort();
  await asServiceUser(`${BIN}/initdb`, ['-D', data, '-U', 'root', '--auth=trust', '--no-sync', '-E', 'UTF8']);
  const options = `-p ${port} -k ${folder} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200`;
  const server: PostgresServer = {
    url: `postgres://root@127.0.0.1:${port}/postgres`,
    port,
    async start() {
      await asServiceUser(`${BIN}/pg_ctl`, ['-D', data, '-o', options, '-l', path.join(folder, 'log'), '-w', 'start']);
    },
    async stop(mode = 'fast') {
      await asServiceUser(`${BIN}/pg_ctl`, ['-D', data, '-m', mode, '-w', 'stop']);
    },
    async restart() {
      await server.stop('fast');
      await server.start();
    },
    async destroy() {
      await server.stop('immediate').catch(() => {});
      await rm(folder, { recursive: true, force: true });
    },
    destroyNow() {
      try {
        execFileSync(...serviceUserCommand(`${BIN}/pg_ctl`, ['-D', data, '-m', 'immediate', '-w', 'stop']), { stdio: 'ignore' });
      } catch {
        // not running
      }
      rmSync(folder, { recursive: true, force: true });
    },
  };
  await server.start();
  return server;
}
