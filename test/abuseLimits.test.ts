// Abuse limits, each with a clear refusal: requests per API key (429 RATE_LIMITED), failed
// authentications per address (429 TOO_MANY_AUTH_FAILURES, even for a good key from there),
// graphql-ws connections per address and per key (closed with 4429 and the reason), and
// subscriptions per key (an error for that operation, the socket open). Small limits, each on an
// API server of its own (limits are per process).
import { createClient, type Client } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { NO_LIMITS, type AbuseLimits } from '../src/api/limits/index.ts';
import { startApiServer, type ApiServer } from '../src/api/server.ts';
import { createApiKey } from '../src/services/engine/apiKeys.ts';
import { useTestDatabase } from './support/db.ts';
import { subscribeWs } from './support/subscriptions.ts';

const db = useTestDatabase();
const keys: Record<string, string> = {};
const servers: ApiServer[] = [];
const clients: Client[] = [];

beforeAll(async () => {
  for (const name of ['alice', 'bob']) keys[name] = (await createApiKey(db().services, { name, role: 'viewer' }, { actor: 'test' })).key;
});
afterAll(async () => {
  await Promise.all(clients.map((client) => client.dispose()));
  await Promise.all(servers.map((server) => server.close()));
});

async function apiWith(limits: Partial<AbuseLimits>): Promise<ApiServer> {
  const api = await startApiServer({ services: db().services, host: '127.0.0.1', port: 0, production: true, limits: { ...NO_LIMITS, ...limits } });
  servers.push(api);
  return api;
}

const post = (api: ApiServer, key: string | null) =>
  fetch(api.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
    body: JSON.stringify({ query: '{ queues { name } }' }),
  });

/** A graphql-ws client that connects at once, and how its connection closed (if it did). */
function connect(api: ApiServer, key: string | null): { client: Client; closed: Promise<{ code: number; reason: string }>; opened: Promise<void> } {
  let onClosed!: (event: { code: number; reason: string }) => void;
  let onOpened!: () => void;
  const closed = new Promise<{ code: number; reason: string }>((resolve) => (onClosed = resolve));
  const opened = new Promise<void>((resolve) => (onOpened = resolve));
  const client = createClient({
    url: api.url.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    lazy: false,
    connectionParams: key ? { authorization: `Bearer ${key}` } : {},
    on: { connected: () => onOpened(), closed: (event) => onClosed(event as { code: number; reason: string }) },
    onNonLazyError: () => {},
  });
  clients.push(client);
  return { client, closed, opened };
}

describe('requests per API key', () => {
  it('refuses requests over the rate with 429 RATE_LIMITED and Retry-After; another key is not affected', async () => {
    const api = await apiWith({ requestsPerKey: 1 });
    // At once: a burst of twice the rate passes, and about one more a second while they are served.
    const responses = await Promise.all(Array.from({ length: 20 }, () => post(api, keys.alice!)));
    const statuses = responses.map((r) => r.status);
    const refused = responses.find((r) => r.status === 429);
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThanOrEqual(2);
    expect(statuses.filter((s) => s === 200 || s === 429)).toHaveLength(20);
    expect(refused).toBeDefined();
    expect(refused!.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(await refused!.json()).toEqual({
      errors: [{ message: expect.stringMatching(/^too many requests for this API key \(at most 1 a second\); retry in \d+ s$/), extensions: { code: 'RATE_LIMITED' } }],
    });
    expect((await post(api, keys.bob!)).status).toBe(200);
  });
});

describe('failed authentications per address', () => {
  it('after the limit, refuses the address for a while with 429 TOO_MANY_AUTH_FAILURES, over HTTP and graphql-ws, even with a good key', async () => {
    const api = await apiWith({ authFailuresPerAddress: 3 });
    for (let i = 0; i < 3; i++) {
      const response = await post(api, 'prk_wrong');
      expect(response.status).not.toBe(429);
      await response.arrayBuffer();
    }
    for (const key of ['prk_wrong', keys.alice!]) {
      const response = await post(api, key);
      expect(response.status).toBe(429);
      expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(((await response.json()) as { errors: { extensions: { code: string } }[] }).errors[0]!.extensions.code).toBe('TOO_MANY_AUTH_FAILURES');
    }
    const { closed } = connect(api, keys.alice!);
    expect(await closed).toMatchObject({ code: 4429, reason: expect.stringMatching(/^too many failed authentications from this address; retry in \d+ s$/) });
  });
});

describe('graphql-ws connections', () => {
  it('per address: the one over the limit is closed with 4429 and the reason; the others stay', async () => {
    const api = await apiWith({ wsConnectionsPerAddress: 2 });
    const first = [connect(api, keys.alice!), connect(api, keys.bob!)];
    await Promise.all(first.map((c) => c.opened));
    const third = connect(api, keys.alice!);
    expect(await third.closed).toEqual(expect.objectContaining({ code: 4429, reason: 'too many WebSocket connections from this address (at most 2)' }));
    const live = subscribeWs(first[0]!.client, 'subscription { governors { name } }');
    expect(await live.feed.nextData()).toEqual({ governors: expect.any(Array) });
    live.stop();
  });

  it('per key: a third connection of one key is closed; another key still connects', async () => {
    const api = await apiWith({ wsConnectionsPerKey: 2 });
    await Promise.all([connect(api, keys.alice!).opened, connect(api, keys.alice!).opened]);
    expect(await connect(api, keys.alice!).closed).toEqual(expect.objectContaining({ code: 4429, reason: 'too many WebSocket connections for this API key (at most 2)' }));
    await connect(api, keys.bob!).opened;
  });
});

describe('subscriptions per key', () => {
  it('refuses the one over the limit with TOO_MANY_SUBSCRIPTIONS for its id; the socket stays; ending one makes room', async () => {
    const api = await apiWith({ subscriptionsPerKey: 2 });
    const { client, opened } = connect(api, keys.alice!);
    await opened;
    const query = 'subscription { governors { name } }';
    const [a, b] = [subscribeWs(client, query), subscribeWs(client, query)];
    await Promise.all([a.feed.next(), b.feed.next()]);
    const over = subscribeWs(client, query);
    await over.feed.ended();
    expect(over.feed.error).toEqual([expect.objectContaining({ message: 'too many subscriptions for this API key (at most 2); end one first', extensions: { code: 'TOO_MANY_SUBSCRIPTIONS' } })]);
    a.stop();
    const again = subscribeWs(client, query);
    await expect(again.feed.next()).resolves.toMatchObject({ data: { governors: expect.any(Array) } });
    expect([b.feed.completed, b.feed.error]).toEqual([false, null]);
  });
});
