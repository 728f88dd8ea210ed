// Subscription clients for tests: graphql-ws and SSE over a real server, the messages they get
// as a feed to wait on, a bus that counts its listeners, and the API as a real `pressroom serve`
// process (server mode).
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import type { EventBus, EventName } from '../../src/services/events.ts';
import type { TestDatabase } from './db.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));

export interface GraphQLMessage<T = any> {
  data?: T | null;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
}

/**
 * What one subscription received, in order. `next` hands out messages one after the other,
 * waiting for the next with a deadline; `until` skips to the first that satisfies a predicate.
 */
export class Feed<T = any> {
  readonly messages: GraphQLMessage<T>[] = [];
  /** When each message arrived (Date.now()). */
  readonly arrivals: number[] = [];
  error: unknown = null;
  completed = false;
  private read = 0;
  private wake: (() => void) | null = null;

  push(message: GraphQLMessage<T>) {
    this.messages.push(message);
    this.arrivals.push(Date.now());
    this.notify();
  }

  fail(error: unknown) {
    this.error = error;
    this.notify();
  }

  complete() {
    this.completed = true;
    this.notify();
  }

  private notify() {
    this.wake?.();
    this.wake = null;
  }

  /** The next message not yet handed out; rejects on an error, on the end of the stream or at the deadline. */
  async next(timeoutMs = 20_000): Promise<GraphQLMessage<T>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.read < this.messages.length) return this.messages[this.read++]!;
      if (this.error) throw new Error(`subscription failed: ${describe(this.error)}`);
      if (this.completed) throw new Error('subscription completed');
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no message within ${timeoutMs} ms; got ${JSON.stringify(this.messages)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.wake = () => (clearTimeout(timer), resolve());
      });
    }
  }

  /** The data of the next message, which must have no errors. */
  async nextData(timeoutMs?: number): Promise<T> {
    const message = await this.next(timeoutMs);
    if (message.errors?.length) throw new Error(`subscription error: ${JSON.stringify(message.errors)}`);
    return message.data as T;
  }

  /** Skips messages until one whose data satisfies `accept`; returns that data. */
  async until(accept: (data: T) => boolean, timeoutMs = 20_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const data = await this.nextData(Math.max(1, deadline - Date.now()));
      if (accept(data)) return data;
    }
  }

  /** Resolves when the stream failed or completed. */
  async ended(timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.error && !this.completed) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`the subscription did not end within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.wake = () => (clearTimeout(timer), resolve());
      });
    }
  }
}

function describe(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (error && typeof error === 'object' && 'code' in error) return `closed ${(error as { code: number }).code} ${(error as { reason?: string }).reason ?? ''}`;
  return JSON.stringify(error);
}

const wsUrl = (httpUrl: string) => httpUrl.replace(/^http/, 'ws');

/** A graphql-ws client that does not retry: a refused connection fails its subscriptions at once. */
export function wsClient(httpUrl: string, authorization?: string): Client {
  return createClient({
    url: wsUrl(httpUrl),
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    connectionParams: authorization ? { authorization } : {},
  });
}

export interface Subscription<T> {
  feed: Feed<T>;
  /** Stops the subscription (complete for graphql-ws, abort for SSE). */
  stop(): void;
}

export function subscribeWs<T = any>(client: Client, query: string, variables: Record<string, unknown> = {}): Subscription<T> {
  const feed = new Feed<T>();
  const stop = client.subscribe<T>(
    { query, variables },
    {
      next: (message) => feed.push(message as GraphQLMessage<T>),
      error: (error) => feed.fail(error),
      complete: () => feed.complete(),
    },
  );
  return { feed, stop };
}

/** A subscription over Server-Sent Events: a POST that accepts text/event-stream, read as it streams. */
export function subscribeSse<T = any>(
  httpUrl: string,
  query: string,
  variables: Record<string, unknown> = {},
  headers: Record<string, string> = {},
  operationName?: string,
): Subscription<T> & { response: Promise<Response> } {
  const feed = new Feed<T>();
  const controller = new AbortController();
  const response = fetch(httpUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...headers },
    body: JSON.stringify({ query, variables, operationName }),
    signal: controller.signal,
  });
  void (async () => {
    try {
      const res = await response;
      // An operation refused as a whole (no key, say) still comes as an event stream, with a 4xx/5xx status.
      if (!res.body || !res.headers.get('content-type')?.startsWith('text/event-stream')) {
        feed.fail(new Error(`HTTP ${res.status}: ${await res.text()}`));
        return;
      }
      const decoder = new TextDecoder();
      let buffer = '';
      for await (const chunk of res.body) {
        buffer += decoder.decode(chunk as Uint8Array, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const lines = block.split('\n');
          const event = lines.find((line) => line.startsWith('event:'))?.slice(6).trim();
          const data = lines
            .filter((line) => line.startsWith('data:'))
            .map((line) => line.slice(5).trimStart())
            .join('\n');
          if (event === 'complete') feed.complete();
          else if (data) feed.push(JSON.parse(data) as GraphQLMessage<T>);
        }
      }
      feed.complete();
    } catch (error) {
      if (!controller.signal.aborted) feed.fail(error);
    }
  })();
  return { feed, response, stop: () => controller.abort() };
}

/** The bus, counting the listeners subscribed through it, by event. */
export interface CountingBus extends EventBus {
  listeners(type?: EventName): number;
}

export function countingBus(inner: EventBus): CountingBus {
  const counts = new Map<EventName, number>();
  return {
    subscribed: (type) => inner.subscribed(type),
    status: inner.status,
    publish: (type, payload) => inner.publish(type, payload),
    subscribe(type, listener) {
      counts.set(type, (counts.get(type) ?? 0) + 1);
      const unsubscribe = inner.subscribe(type, listener);
      let done = false;
      return () => {
        if (done) return;
        done = true;
        counts.set(type, counts.get(type)! - 1);
        unsubscribe();
      };
    },
    listeners: (type) => (type ? (counts.get(type) ?? 0) : [...counts.values()].reduce((a, b) => a + b, 0)),
    close: () => inner.close(),
  };
}

export interface ApiProcess {
  child: ChildProcess;
  /** The GraphQL endpoint, http://127.0.0.1:<port>/graphql. */
  url: string;
  output: () => string;
  stop(): Promise<number | null>;
}

/**
 * A real `pressroom serve` process on the test database and Redis (server mode only), on a port
 * of its choosing: the 'GraphiQL at' line it logs once listening carries its URL.
 */
export async function spawnApiProcess(test: TestDatabase, timeoutMs = 30_000): Promise<ApiProcess> {
  if (!test.url) throw new Error('an API process needs a server database (DATABASE_URL)');
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'serve'], {
    cwd: root,
    env: {
      ...process.env,
      DATABASE_URL: test.url,
      PRESSROOM_REDIS_PREFIX: test.redisPrefix,
      PRESSROOM_HOST: '127.0.0.1',
      PRESSROOM_PORT: '0',
      PRESSROOM_DB_POOL_SIZE: '4',
      LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    return exited;
  };
  try {
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the API process did not start in time; output:\n${output}`)), timeoutMs);
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        const match = /GraphiQL at (http:\/\/\S+\/graphql)/.exec(output);
        if (match) {
          clearTimeout(timer);
          resolve(match[1]!);
        }
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', onData);
      void exited.then((code) => {
        clearTimeout(timer);
        reject(new Error(`the API process exited (${code}) before listening; output:\n${output}`));
      });
    });
    return { child, url, output: () => output, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
