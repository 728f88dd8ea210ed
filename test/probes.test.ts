// The operations surface: /health (the process lives), /ready (database, migrations, event bus)
// and /metrics (Prometheus), as a monitoring system scrapes them, leaking nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiServer, type ApiServer } from '../src/api/server.ts';
import { enqueueJob } from '../src/services/index.ts';
import type { Worker } from '../src/worker/worker.ts';
import { useTestDatabase } from './support/db.ts';
import { subscribeWs, wsClient } from './support/subscriptions.ts';
import { apiOn, silentPort } from './support/unreachable.ts';
import { waitFor } from './support/wait.ts';
import { startTestWorker } from './support/workers.ts';

const db = useTestDatabase();
let api: ApiServer;
const origin = () => api.url.replace(/\/graphql$/, '');

beforeAll(async () => {
  api = await startApiServer({ services: db().services, host: '127.0.0.1', port: 0, production: true });
});
afterAll(() => api.close());

/** One sample of a metric in the Prometheus text format, by name and labels. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    const match = /^([a-z_:]+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const got = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([key, value]) => got[key] === value)) return Number(match[3]);
  }
  return undefined;
}

const scrape = async () => {
  const response = await fetch(`${origin()}/metrics`);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
  return response.text();
};

describe('/health and /ready', () => {
  it('say ok and ready when the database answers with every migration applied', async () => {
    const health = await fetch(`${origin()}/health`);
    expect([health.status, await health.json()]).toEqual([200, { status: 'ok' }]);
    const ready = await fetch(`${origin()}/ready`);
    expect([ready.status, await ready.json()]).toEqual([200, { status: 'ready', checks: { database: 'ok', migrations: 'ok', eventBus: 'ok' } }]);
  });

  it('/ready is 503 when the database cannot be reached, /health still 200; neither says why in internal terms', async () => {
    const hung = await silentPort();
    const { api: blind, database } = await apiOn(`postgres://pressroom:secret@127.0.0.1:${hung.port}/none`);
    try {
      const base = blind.url.replace(/\/graphql$/, '');
      expect((await fetch(`${base}/health`)).status).toBe(200);
      const ready = await fetch(`${base}/ready`);
      const body = await ready.text();
      expect(ready.status).toBe(503);
      expect(JSON.parse(body)).toEqual({ status: 'not ready', checks: { database: 'unavailable', migrations: 'unavailable', eventBus: 'ok' } });
      const metrics = await (await fetch(`${base}/metrics`)).text();
      expect(sample(metrics, 'pressroom_database_up')).toBe(0);
      for (const text of [body, metrics]) expect(text).not.toMatch(/secret|127\.0\.0\.1:\d|ECONN|select |\/work\//);
    } finally {
      await blind.close();
      await database.close().catch(() => {});
      await hung.close();
    }
  });
});

describe('/metrics', () => {
  let worker: Worker | undefined;
  afterAll(() => worker?.stop());

  it('counts jobs by queue, kind and status, finished jobs, run times, claims, workers, subscriptions and connections', async () => {
    const { services, database } = db();
    await enqueueJob(services, { kind: 'test.noop', queue: 'metrics-waiting', delayMs: 3_600_000 }, { actor: 'test' });
    let text = await scrape();
    expect(sample(text, 'pressroom_jobs', { queue: 'metrics-waiting', kind: 'test.noop', status: 'queued' })).toBe(1);
    expect(sample(text, 'pressroom_database_up')).toBe(1);
    expect(sample(text, 'pressroom_event_bus_up')).toBe(1);
    expect(sample(text, 'pressroom_process_resident_memory_bytes')).toBeGreaterThan(0);

    const client = wsClient(api.url);
    const live = subscribeWs(client, 'subscription { governors { name } }');
    await live.feed.next();
    text = await scrape();
    expect(sample(text, 'pressroom_subscriptions')).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'pressroom_websocket_connections')).toBeGreaterThanOrEqual(1);
    live.stop();
    await client.dispose();

    worker = await startTestWorker(services, database, { queues: ['metrics-run'] });
    for (let i = 0; i < 3; i++) await enqueueJob(services, { kind: 'test.noop', queue: 'metrics-run' }, { actor: 'test' });
    text = await waitFor(async () => {
      const current = await scrape();
      return (sample(current, 'pressroom_jobs_finished_total', { queue: 'metrics-run', kind: 'test.noop', status: 'completed' }) ?? 0) >= 3 && current;
    }, { what: 'three completions counted' });
    expect(sample(text, 'pressroom_job_run_seconds_count', { queue: 'metrics-run', kind: 'test.noop', outcome: 'completed' })).toBeGreaterThanOrEqual(3);
    expect(sample(text, 'pressroom_job_wait_seconds_count', { queue: 'metrics-run', kind: 'test.noop' })).toBeGreaterThanOrEqual(3);
    expect(sample(text, 'pressroom_claim_seconds_count')).toBeGreaterThan(0);
    expect(sample(text, 'pressroom_workers', { status: 'running' })).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'pressroom_event_bus_lag_seconds_count')).toBeGreaterThan(0);
  });
});
