// Errors that say what happened: a GET with variables that are not JSON is the client's mistake
// (400), an empty document a syntax error (not a 500); a database that cannot be reached is
// DATABASE_UNAVAILABLE with HTTP 503 and Retry-After, answered within the connect timeout even when
// PostgreSQL does not answer at all; a port or host the API cannot listen on, and a supervisor lease
// shorter than its interval, are one clear line.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiServer, type ApiServer } from '../src/api/server.ts';
import { loadConfig } from '../src/config.ts';
import { ConfigError, ListenError } from '../src/services/errors.ts';
import { useTestDatabase } from './support/db.ts';
import { apiOn, silentPort } from './support/unreachable.ts';

const db = useTestDatabase();
const CSRF = { 'x-graphql-yoga-csrf': '1', accept: 'application/json' };

describe('bad requests', () => {
  let api: ApiServer;
  beforeAll(async () => {
    api = await startApiServer({ services: db().services, host: '127.0.0.1', port: 0, production: true });
  });
  afterAll(() => api.close());

  it.each([
    ['variables', 'not json'],
    ['variables', '{"a":'],
    ['extensions', 'nope'],
  ])('a GET whose %s parameter is %j gets 400 BAD_REQUEST, not a 500', async (param, value) => {
    const url = `${api.url}?query=${encodeURIComponent('query ($a: Int) { __typename }')}&${param}=${encodeURIComponent(value)}`;
    const response = await fetch(url, { headers: CSRF });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ errors: [{ message: 'The variables and extensions parameters must be JSON objects.', extensions: { code: 'BAD_REQUEST' } }] });
  });

  // Its parse error was charged 0 by the error cache, which lru-cache refuses with a TypeError (a 500).
  it('an empty document gets its syntax error, not a 500', async () => {
    const response = await fetch(api.url, { method: 'POST', headers: { ...CSRF, 'content-type': 'application/json' }, body: JSON.stringify({ query: '' }) });
    expect(response.status).toBeLessThan(500);
    expect(await response.json()).toMatchObject({ errors: [{ message: 'Syntax Error: Unexpected <EOF>.', extensions: { code: 'GRAPHQL_PARSE_FAILED' } }] });
  });
});

describe('database unavailable', () => {
  const operations = [
    ['a query', '{ queues { name } }'],
    ['a mutation', 'mutation { pauseQueue(name: "x") { __typename } }'],
  ];

  it.each(operations)('%s on a refused connection: 503 DATABASE_UNAVAILABLE with Retry-After', async (_what, query) => {
    const closed = await silentPort();
    await closed.close();
    const { api, database } = await apiOn(`postgres://pressroom@127.0.0.1:${closed.port}/none`);
    try {
      const response = await fetch(api.url, { method: 'POST', headers: { ...CSRF, 'content-type': 'application/json' }, body: JSON.stringify({ query }) });
      expect(response.status).toBe(503);
      expect(response.headers.get('retry-after')).toBe('2');
      const body = (await response.json()) as { errors: { message: string; extensions: Record<string, unknown> }[] };
      expect(body.errors).toEqual([
        { message: 'The database is unavailable right now; retry in a few seconds.', extensions: { code: 'DATABASE_UNAVAILABLE', retryable: true } },
      ]);
    } finally {
      await api.close();
      await database.close();
    }
  });

  it('a database that accepts the connection and never answers: the request ends with 503 once the connect timeout passes', async () => {
    const hung = await silentPort();
    const { api, database } = await apiOn(`postgres://pressroom@127.0.0.1:${hung.port}/none`, 1_000);
    try {
      const response = await fetch(api.url, {
        method: 'POST',
        headers: { ...CSRF, 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ queues { name } }' }),
        // Far beyond the 1 s connect timeout: the request must not hang until the client gives up.
        signal: AbortSignal.timeout(20_000),
      });
      expect(response.status).toBe(503);
      expect(((await response.json()) as { errors: { extensions: { code: string } }[] }).errors[0]!.extensions.code).toBe('DATABASE_UNAVAILABLE');
    } finally {
      await api.close();
      await database.close().catch(() => {});
      await hung.close();
    }
  });
});

describe('start-up mistakes', () => {
  it('a port in use: a ListenError that names PRESSROOM_PORT, and nothing else printed', async () => {
    const taken = await silentPort();
    const errors: unknown[] = [];
    const onError = (...args: unknown[]) => errors.push(args);
    const original = console.error;
    console.error = onError;
    try {
      const attempt = startApiServer({ services: db().services, host: '127.0.0.1', port: taken.port, production: true });
      await expect(attempt).rejects.toThrow(ListenError);
      await expect(attempt).rejects.toThrow(`pressroom: cannot listen on 127.0.0.1:${taken.port}: the port is in use by another process (set PRESSROOM_PORT to another port, or 0 for any free one)`);
      expect(errors).toEqual([]);
    } finally {
      console.error = original;
      await taken.close();
    }
  });

  it('a host that is not this machine: a ListenError that names PRESSROOM_HOST', async () => {
    await expect(startApiServer({ services: db().services, host: '192.0.2.1', port: 0, production: true })).rejects.toThrow(
      'pressroom: cannot listen on 192.0.2.1:0: PRESSROOM_HOST is not an address of this machine',
    );
  });

  it('a supervisor lease not longer than its interval is refused by the configuration, naming the variables', () => {
    expect(() => loadConfig({ PRESSROOM_SUPERVISOR_INTERVAL_MS: '20000' })).toThrow(ConfigError);
    expect(() => loadConfig({ PRESSROOM_SUPERVISOR_INTERVAL_MS: '5000', PRESSROOM_SUPERVISOR_LEASE_MS: '5000' })).toThrow(
      'PRESSROOM_SUPERVISOR_LEASE_MS: must be greater than PRESSROOM_SUPERVISOR_INTERVAL_MS (5000)',
    );
    expect(loadConfig({ PRESSROOM_SUPERVISOR_INTERVAL_MS: '5000', PRESSROOM_SUPERVISOR_LEASE_MS: '5001' }).PRESSROOM_SUPERVISOR_LEASE_MS).toBe(5001);
  });
});
