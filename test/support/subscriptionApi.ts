// The API server the subscription tests (test/subscriptions/) subscribe to, on the test file's
// database and a bus that counts its listeners; everything a test opens is closed after it.
import type { Client } from 'graphql-ws';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { startApiServer, type ApiServer } from '../../src/api/server.ts';
import type { Worker } from '../../src/worker/worker.ts';
import type { TestDatabase } from './db.ts';
import { countingBus, subscribeSse, subscribeWs, wsClient, type CountingBus, type Subscription } from './subscriptions.ts';
import { startTestWorker } from './workers.ts';

export const by = { actor: 'test', reason: 'subscription test' };

export type JobView = { id: string; databaseId: number; runId: string; status: string; progress: { percent: number; stage: string | null } | null };
export const JOB = /* GraphQL */ `
  subscription Follow($id: ID!) {
    job(id: $id) { id databaseId runId status progress { percent stage } }
  }
`;

export const QUEUE_STATS = /* GraphQL */ `
  subscription Stats($name: String) {
    queueStats(name: $name) { name paused stats { queued } }
  }
`;

export function useSubscriptionApi(db: () => TestDatabase) {
  let api: ApiServer | undefined;
  let bus: CountingBus | undefined;
  /** The API process's own listeners (its metrics), there for as long as it runs. */
  let permanentListeners = 0;

  // Everything a test opens, closed after it whatever happened.
  let clients: Client[] = [];
  let subscriptions: Subscription<unknown>[] = [];
  let workers: Worker[] = [];
  let processes: { stop(): Promise<unknown> }[] = [];

  beforeAll(async () => {
    bus = countingBus(db().services.bus);
    api = await startApiServer({ services: { ...db().services, bus }, port: 0, host: '127.0.0.1', production: false });
    permanentListeners = bus.listeners();
  });

  afterEach(async () => {
    for (const subscription of subscriptions) subscription.stop();
    await Promise.all(clients.map((client) => client.dispose()));
    await Promise.all(workers.map((worker) => worker.stop()));
    await Promise.all(processes.map((process) => process.stop()));
    clients = [];
    subscriptions = [];
    workers = [];
    processes = [];
  });

  afterAll(async () => {
    await api?.close();
  });

  /** The server's /graphql URL. */
  const url = () => {
    if (!api) throw new Error('the API server starts in beforeAll');
    return api.url;
  };

  /** The bus the API server listens on. */
  const apiBus = () => {
    if (!bus) throw new Error('the bus is made in beforeAll');
    return bus;
  };

  /** Listeners of subscriptions. */
  const subscriptionListeners = () => apiBus().listeners() - permanentListeners;

  function client(on = url(), authorization?: string): Client {
    const c = wsClient(on, authorization);
    clients.push(c);
    return c;
  }

  function ws<T = any>(query: string, variables?: Record<string, unknown>, on: Client = client()) {
    const subscription = subscribeWs<T>(on, query, variables);
    subscriptions.push(subscription);
    return subscription;
  }

  function sse<T = any>(query: string, variables?: Record<string, unknown>, headers?: Record<string, string>, operationName?: string) {
    const subscription = subscribeSse<T>(url(), query, variables, headers, operationName);
    subscriptions.push(subscription);
    return subscription;
  }

  async function worker(queues: string[]) {
    const w = await startTestWorker(db().services, db().database, { queues, pollIntervalMs: 100 });
    workers.push(w);
    return w;
  }

  /** A process the test started, stopped after it. */
  function stopAfterTest<P extends { stop(): Promise<unknown> }>(process: P): P {
    processes.push(process);
    return process;
  }

  return { url, bus: apiBus, subscriptionListeners, client, ws, sse, worker, stopAfterTest };
}
