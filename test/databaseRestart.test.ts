// PostgreSQL going away and coming back (its port refused meanwhile, as during a restart): every API
// call is answered within the documented bound — 503 DATABASE_UNAVAILABLE while it is away, served
// as soon as it is back — however many calls failed meanwhile. (postgres.js by default waits up to
// 20 s before each connection attempt once attempts have failed, and calls waited it out.)
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiServer } from '../src/api/server.ts';
import type { Database } from '../src/db/client.ts';
import { serverMode, useTestDatabase } from './support/db.ts';
import { startTcpProxy, type TcpProxy } from './support/tcpProxy.ts';
import { apiOn } from './support/unreachable.ts';

const db = useTestDatabase();
const CONNECT_TIMEOUT_MS = 1_000;
// The documented bound is the connect timeout plus 0.1 s; the rest is room for a busy machine.
const ANSWER_WITHIN_MS = 5_000;

describe.runIf(serverMode)('PostgreSQL restarting under the API', () => {
  let proxy: TcpProxy;
  let api: ApiServer;
  let database: Database;

  beforeAll(async () => {
    const url = new URL(db().url!);
    proxy = await startTcpProxy(Number(url.port || 5432));
    url.port = String(proxy.port);
    ({ api, database } = await apiOn(url.toString(), CONNECT_TIMEOUT_MS));
  });
  afterAll(async () => {
    await api?.close();
    await database?.close().catch(() => {});
    await proxy?.close();
  });

  /** One call: its HTTP status and error code, or 'no answer' past the bound. */
  const call = async () => {
    try {
      const response = await fetch(api.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json', 'x-graphql-yoga-csrf': '1' },
        body: JSON.stringify({ query: '{ queues { name } }' }),
        signal: AbortSignal.timeout(ANSWER_WITHIN_MS),
      });
      const body = (await response.json()) as { errors?: { extensions?: { code?: string } }[] };
      return `${response.status} ${body.errors?.[0]?.extensions?.code ?? 'served'}`;
    } catch (error) {
      if ((error as Error).name === 'TimeoutError') return 'no answer';
      throw error;
    }
  };

  it('answers every call while it is away (503), a burst included, and serves the first call once it is back', async () => {
    expect(await call()).toBe('200 served');
    proxy.cut();
    const whileAway: string[] = [];
    for (let i = 0; i < 20; i++) whileAway.push(await call());
    whileAway.push(...(await Promise.all(Array.from({ length: 100 }, call))));
    expect(new Set(whileAway)).toEqual(new Set(['503 DATABASE_UNAVAILABLE']));
    await proxy.restore();
    expect(await call()).toBe('200 served');
  }, 120_000);
});
