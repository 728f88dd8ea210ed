// A real `pressroom serve` process on the loaded database, as an operator would run it.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

export interface ServedApi {
  /** http://127.0.0.1:<port>/graphql */
  url: string;
  pid: number;
  stop(): Promise<void>;
}

const cli = fileURLToPath(new URL('../../bin/pressroom.js', import.meta.url));

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  return port;
}

export async function serveApi(databaseUrl: string): Promise<ServedApi> {
  const port = await freePort();
  const child = spawn(process.execPath, [cli, 'serve'], {
    env: { ...process.env, DATABASE_URL: databaseUrl, PRESSROOM_PORT: String(port), PRESSROOM_HOST: '127.0.0.1', NODE_ENV: 'production', LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}/graphql`;
  const exited = once(child, 'exit');
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };
  for (const deadline = Date.now() + 120_000; Date.now() < deadline; await sleep(100)) {
    if (child.exitCode !== null) throw new Error(`pressroom serve exited with ${child.exitCode}`);
    const ok = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"{ __typename }"}' })
      .then((response) => response.ok)
      .catch(() => false);
    if (ok) return { url, pid: child.pid!, stop };
  }
  await stop();
  throw new Error('pressroom serve did not answer within 120 s');
}
