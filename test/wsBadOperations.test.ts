// Over graphql-ws, a bad operation (syntax, validation, over the depth, cost or token limits) gets
// an `error` message for its id; the socket stays open and every other subscription on it goes on.
import type { Client } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiServer, type ApiServer } from '../src/api/server.ts';
import { enqueueJob } from '../src/services/index.ts';
import { useTestDatabase } from './support/db.ts';
import { subscribeWs, wsClient } from './support/subscriptions.ts';

const db = useTestDatabase();
let api: ApiServer;

beforeAll(async () => {
  api = await startApiServer({ services: db().services, port: 0, host: '127.0.0.1', production: false });
});
afterAll(async () => {
  await api.close();
});

const QUEUE_STATS = /* GraphQL */ `subscription ($name: String) { queueStats(name: $name) { name stats { queued } } }`;
const deep = (levels: number) => `subscription { governors { ${'a { '.repeat(levels)}b${' }'.repeat(levels)} } }`;

const BAD_OPERATIONS: [string, string, RegExp][] = [
  ['a syntax error', 'subscription { governors { name ', /Syntax Error/],
  // Its parse error cached at size 0 made the cache throw (a TypeError: 4500) before errors were charged a minimum.
  ['an empty document', '', /Syntax Error: Unexpected <EOF>/],
  ['an unknown field', 'subscription { governors { nope } }', /Cannot query field "nope"/],
  ['a missing variable', 'subscription ($n: String!) { queueStats(name: $n) { name } }', /Variable "\$n"/],
  ['too deep', deep(12), /depth|Syntax|Cannot query/],
  [
    'too costly',
    'subscription { jobs(first: 500) { jobs { history(first: 500) { edges { node { actor } } } items(first: 500) { edges { node { key } } } } } }',
    /cost/i,
  ],
  ['too many aliases', `subscription { governors { ${Array.from({ length: 20 }, (_, i) => `a${i}: name`).join(' ')} } }`, /aliases/i],
  ['too many tokens', `subscription { governors { ${'name '.repeat(2_100)} } }`, /token/i],
];

describe('bad operations over graphql-ws', () => {
  it('each gets an error message for its id; the socket and the other subscriptions stay', async () => {
    const client: Client = wsClient(api.url);
    let closed: unknown = null;
    client.on('closed', (event) => {
      closed = event;
    });
    try {
      await enqueueJob(db().services, { kind: 'test.noop', queue: 'ws-bad' }, { actor: 'test' });
      const good = subscribeWs<{ queueStats: { name: string; stats: { queued: number } }[] }>(client, QUEUE_STATS, { name: 'ws-bad' });
      expect((await good.feed.nextData()).queueStats).toEqual([{ name: 'ws-bad', stats: { queued: 1 } }]);

      for (const [what, query, expected] of BAD_OPERATIONS) {
        const bad = subscribeWs(client, query);
        await bad.feed.ended();
        // Refused before it ran: an `error` message; failed as it started (variables): `next` with errors, then `complete`.
        const errors = (Array.isArray(bad.feed.error) ? bad.feed.error : bad.feed.messages.flatMap((m) => m.errors ?? [])) as { message: string }[];
        expect(errors.length, `${what}: ${JSON.stringify(bad.feed.error)}`).toBeGreaterThan(0);
        expect(errors.map((e) => e.message).join('\n'), what).toMatch(expected);
        expect(JSON.stringify(errors), what).not.toMatch(/ at |node_modules|\.ts:/);
      }

      expect(closed).toBeNull();
      await enqueueJob(db().services, { kind: 'test.noop', queue: 'ws-bad' }, { actor: 'test' });
      await good.feed.until(({ queueStats }) => queueStats[0]?.stats.queued === 2);
      good.stop();
    } finally {
      await client.dispose();
    }
  });
});
