// One query under load: autocannon at a fixed number of connections for a fixed time, after a
// warm-up whose figures are dropped; once per connection count. An answer with GraphQL errors
// counts as an error.
import autocannon from 'autocannon';
import type { BenchQuery } from './queries.ts';

export interface LoadSettings {
  /** One pass per count: 1 gives a client's latency, more the server's throughput when saturated. */
  connections: number[];
  durationSeconds: number;
  warmupSeconds: number;
  /**
   * Send this many requests per pass instead of for durationSeconds: a check that every query
   * answers (test/benchApiSmoke.test.ts), which a busy machine may not do within a set time.
   */
  amount?: number;
}

export interface Measured {
  name: string;
  page: boolean;
  passes: Pass[];
}

export interface Pass {
  connections: number;
  p50: number;
  p99: number;
  requestsPerSecond: number;
  requests: number;
  /** Transport errors, timeouts, non-2xx answers and answers carrying GraphQL errors. */
  errors: number;
  firstError: string | null;
}

async function drive(url: string, query: BenchQuery, connections: number, length: { seconds: number; amount?: number }) {
  let next = 0;
  let graphqlErrors = 0;
  let firstError: string | null = null;
  const result = await autocannon({
    url,
    connections,
    duration: length.seconds,
    amount: length.amount,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    requests: [
      {
        setupRequest: (request) => ({ ...request, body: query.bodies[next++ % query.bodies.length] }),
        onResponse: (_status, body) => {
          if (!body.includes('"errors"')) return;
          graphqlErrors++;
          firstError ??= body.slice(0, 300);
        },
      },
    ],
  });
  return { result, graphqlErrors, firstError };
}

export async function measure(url: string, query: BenchQuery, settings: LoadSettings): Promise<Measured> {
  const passes: Pass[] = [];
  for (const connections of settings.connections) passes.push(await measurePass(url, query, connections, settings));
  return { name: query.name, page: query.page, passes };
}

async function measurePass(url: string, query: BenchQuery, connections: number, settings: LoadSettings): Promise<Pass> {
  if (settings.warmupSeconds > 0) await drive(url, query, connections, { seconds: settings.warmupSeconds });
  const { result, graphqlErrors, firstError } = await drive(url, query, connections, { seconds: settings.durationSeconds, amount: settings.amount });
  const requests = result.requests.total;
  return {
    connections,
    p50: result.latency.p50,
    p99: result.latency.p99,
    requestsPerSecond: requests / result.duration,
    requests,
    errors: result.errors + result.timeouts + result.non2xx + graphqlErrors,
    firstError: firstError ?? (result.non2xx || result.errors ? `${result.non2xx} non-2xx, ${result.errors} errors` : null),
  };
}
