// Memory stays bounded: after many requests (valid, invalid, each different) and many subscription
// cycles over graphql-ws and SSE, the heap after a full GC is back near where it was after a warm-up
// (the heap-delta test of graphql-hive). A leak of a few hundred bytes per request or per
// subscription would show as megabytes here.
import { runInNewContext } from 'node:vm';
import { setFlagsFromString } from 'node:v8';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startApiServer, type ApiServer } from '../src/api/server.ts';
import { useTestDatabase } from './support/db.ts';
import { subscribeSse, subscribeWs, wsClient } from './support/subscriptions.ts';
import { documentCharge, errorCharge } from '../src/api/documentCaches.ts';

setFlagsFromString('--expose_gc');
const gc = runInNewContext('gc') as () => void;

const db = useTestDatabase();
let api: ApiServer;
beforeAll(async () => {
  api = await startApiServer({ services: db().services, host: '127.0.0.1', port: 0, production: true });
});
afterAll(() => api.close());

const heapAfterGc = async () => {
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
  return process.memoryUsage().heapUsed;
};

const post = (query: string, variables?: unknown) =>
  fetch(api.url, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify({ query, variables }) }).then((r) => r.text());

/**
 * One round: requests of every kind (valid, invalid, syntax errors, bad variables), 100 different
 * documents of each (cached after the warm-up: the parse caches are bounded by src/api/documentCaches.ts),
 * and subscription cycles over graphql-ws and SSE.
 */
async function round(n: number, salt: string) {
  for (let j = 0; j < n; j++) {
    const i = j % 100;
    await Promise.all([
      post(`query Q${salt}${i} { queues { name stats { queued } } }`),
      post(`{ jobs(first: 5) { edges { node { id status } } } a${salt}${i}: __typename }`),
      post(`{ nope${salt}${i} }`),
      post(`query { queues { name ${'x'.repeat(200)}${i} `),
      post(`query ($a: Int!) { __typename }`, { a: `not-${i}` }),
      fetch(`${api.url}?query=${encodeURIComponent('{ __typename }')}&variables=bad${i}`, { headers: { 'x-graphql-yoga-csrf': '1' } }).then((r) => r.text()),
    ]);
  }
  const client = wsClient(api.url);
  try {
    for (let j = 0; j < n / 4; j++) {
      const ws = subscribeWs(client, `subscription S${j % 100} { governors { name } }`);
      const sse = subscribeSse(api.url, `subscription { queueStats(name: "q${salt}${j % 100}") { name } }`);
      await Promise.all([ws.feed.next(), sse.feed.next()]);
      ws.stop();
      sse.stop();
    }
  } finally {
    await client.dispose();
  }
}

it('keeps the heap flat over thousands of requests and hundreds of subscription cycles', async () => {
  await round(150, 'warm');
  const before = await heapAfterGc();
  await round(400, 'warm');
  const after = await heapAfterGc();
  const deltaMb = (after - before) / 1024 / 1024;
  console.info(`heap after warm-up ${(before / 1024 / 1024).toFixed(1)} MB, after 2,400 more requests and 200 subscription cycles ${(after / 1024 / 1024).toFixed(1)} MB (${deltaMb >= 0 ? '+' : ''}${deltaMb.toFixed(1)} MB)`);
  // A leak of 2 KB per request or subscription would be 5 MB; what remains is the heap's own noise
  // (a few hundred KB to 2.5 MB here, not growing round after round).
  expect(deltaMb).toBeLessThan(4);
}, 240_000);

it('keeps no more per cached invalid document than the parse caches charge for it', async () => {
  // Each document different, so each is parsed, validated and cached (src/api/documentCaches.ts);
  // with the documents of the test above, fewer than the caches' 1,000 entries: none is evicted.
  const invalid = (i: number) =>
    i % 2 === 0
      ? `query V${i} { queues { name nope${i} stats { queued } } a${i}: jobs(first: 5) { edges { node { id bogus${i} status } } } }`
      : `query P${i} { queues { name stats { queued } } jobs(first: 5) { edges { node { id status ${i} `;
  for (let i = 1_000; i < 1_100; i++) await post(invalid(i));
  const before = await heapAfterGc();
  let charged = 0;
  for (let i = 0; i < 400; i++) {
    charged += i % 2 === 0 ? documentCharge(invalid(i)) : errorCharge(invalid(i));
    await post(invalid(i));
  }
  const kept = (await heapAfterGc()) - before;
  console.info(`400 invalid documents: ${(kept / 1024 / 1024).toFixed(2)} MB kept, ${(charged / 1024 / 1024).toFixed(2)} MB charged by the caches`);
  // With their errors' stack frames kept, that was about 10 MB (the validation context of each).
  expect(kept).toBeLessThan(charged);
}, 60_000);
