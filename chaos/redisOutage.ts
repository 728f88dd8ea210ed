// Redis stopped for a while with dashboards subscribed (graphql-ws): queries and mutations go on;
// every subscription is told (EVENTS_UNAVAILABLE) and, once Redis is back, sends a fresh snapshot.
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import type { Cluster } from './cluster.ts';
import { sleep } from './cluster.ts';

export interface RedisOutageResult {
  downMs: number;
  subscribers: number;
  calls: number;
  callsServed: number;
  toldDown: number;
  freshAfter: number;
  /** From Redis back to the last subscriber's fresh snapshot (ms). */
  resumeMs: number;
  silent: number;
}

const QUEUE = 'chaos-redis';

export async function runRedisOutage(cluster: Cluster, downMs: number, subscribers: number, log: (line: string) => void): Promise<RedisOutageResult> {
  const { url } = await cluster.serve();
  const post = async (query: string) => {
    const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify({ query }), signal: AbortSignal.timeout(10_000) });
    const body = (await response.json()) as { errors?: unknown[] };
    return response.status === 200 && !body.errors;
  };
  await post(`mutation { enqueueJob(input: { kind: "chaos.effect", queue: "${QUEUE}", delayMs: 3600000 }) { __typename } }`);
  const client = createClient({ url: url.replace(/^http/, 'ws'), webSocketImpl: WebSocket, retryAttempts: 0 });
  const state = Array.from({ length: subscribers }, () => ({ messages: 0, toldDown: false, freshAt: 0 }));
  let redisBackAt = 0;
  const stops = state.map((s) =>
    client.subscribe<{ queueStats: { stats: { queued: number } }[] }>(
      { query: `subscription { queueStats(name: "${QUEUE}") { name stats { queued } } }` },
      {
        next: (message) => {
          s.messages++;
          if (message.errors?.some((e) => (e.extensions as { code?: string } | undefined)?.code === 'EVENTS_UNAVAILABLE')) s.toldDown = true;
          else if (s.toldDown && redisBackAt > 0 && !s.freshAt && message.data) s.freshAt = Date.now();
        },
        error: () => {},
        complete: () => {},
      },
    ),
  );
  while (state.some((s) => s.messages === 0)) await sleep(50);

  await cluster.redis.stop();
  const downUntil = Date.now() + downMs;
  let calls = 0;
  let served = 0;
  while (Date.now() < downUntil) {
    calls += 2;
    served += Number(await post(`{ queues { name stats { queued } } }`).catch(() => false));
    served += Number(await post(`mutation { enqueueJob(input: { kind: "chaos.effect", queue: "${QUEUE}", delayMs: 3600000 }) { __typename } }`).catch(() => false));
    await sleep(100);
  }
  log(`redis outage: ${served}/${calls} calls served while Redis was down for ${downMs} ms`);
  await cluster.redis.start();
  redisBackAt = Date.now();
  const deadline = Date.now() + 60_000;
  while (state.some((s) => !s.freshAt) && Date.now() < deadline) await sleep(50);
  for (const stop of stops) stop();
  await client.dispose();
  const fresh = state.filter((s) => s.freshAt > 0);
  return {
    downMs,
    subscribers,
    calls,
    callsServed: served,
    toldDown: state.filter((s) => s.toldDown).length,
    freshAfter: fresh.length,
    resumeMs: fresh.length ? Math.max(...fresh.map((s) => s.freshAt)) - redisBackAt : NaN,
    silent: state.filter((s) => !s.toldDown && !s.freshAt).length,
  };
}
