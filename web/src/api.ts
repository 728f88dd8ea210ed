// The dashboard's one GraphQL client: queries and mutations over HTTP, subscriptions over
// graphql-ws, or over SSE when no WebSocket gets through. Everything goes to this origin's /graphql.
import { Client, fetchExchange, subscriptionExchange, type AnyVariables, type TypedDocumentNode } from '@urql/core';
import { createClient as createWsClient } from 'graphql-ws';
import { setLiveState } from './connection.ts';
import { authorization } from './session.ts';
import { subscribeSse, type Sink } from './sse.ts';

/** Yoga's CSRF prevention: a header only a script sets. */
const headers = (): Record<string, string> => {
  const auth = authorization();
  return { 'x-graphql-yoga-csrf': '1', ...(auth ? { authorization: auth } : {}) };
};

/** WebSocket connections that failed before ever connecting; after a few, SSE takes over. */
const WEBSOCKET_ATTEMPTS = 3;
let failedBeforeConnect = 0;
let everConnected = false;
let transport: 'websocket' | 'sse' = 'websocket';

/** The subscriptions on the WebSocket, each able to move to SSE (see giveUpWebSocket). */
const onWebSocket = new Set<{ moveToSse(): void }>();

/** No WebSocket gets through: the open subscriptions, and every later one, go over SSE. */
function giveUpWebSocket() {
  transport = 'sse';
  for (const subscription of [...onWebSocket]) subscription.moveToSse();
}

const ws = createWsClient({
  url: `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/graphql`,
  connectionParams: () => {
    const auth = authorization();
    return auth ? { authorization: auth } : {};
  },
  lazy: true,
  retryAttempts: Infinity,
  shouldRetry: () => true,
  retryWait: async (retries) => new Promise((resolve) => setTimeout(resolve, Math.min(5_000, 300 * 2 ** retries))),
  on: {
    connected: () => {
      everConnected = true;
      setLiveState('live', 'websocket');
    },
    closed: () => {
      setLiveState('down', 'websocket');
      // Moved after graphql-ws has finished handling the close it reports.
      if (!everConnected && ++failedBeforeConnect === WEBSOCKET_ATTEMPTS) setTimeout(giveUpWebSocket);
    },
  },
});

/** One subscription: on the WebSocket while it may still get through, otherwise (or once it gave up) over SSE. */
function subscribe(request: { query: string; variables?: Record<string, unknown> }, sink: Sink): { unsubscribe(): void } {
  if (transport === 'sse') return { unsubscribe: subscribeSse(request, headers(), sink) };
  let stop: () => void;
  const entry = {
    moveToSse() {
      onWebSocket.delete(entry);
      const stopWs = stop;
      stop = subscribeSse(request, headers(), sink);
      stopWs(); // graphql-ws completes the sink it had; that completion is not passed on (below)
    },
  };
  onWebSocket.add(entry);
  stop = ws.subscribe(request, {
    next: (value) => sink.next(value),
    error: (error) => {
      if (onWebSocket.delete(entry)) sink.error(error);
    },
    complete: () => {
      if (onWebSocket.delete(entry)) sink.complete();
    },
  });
  return {
    unsubscribe: () => {
      onWebSocket.delete(entry);
      stop();
    },
  };
}

export const client = new Client({
  url: '/graphql',
  requestPolicy: 'network-only',
  preferGetMethod: false,
  fetchOptions: () => ({ headers: headers() }),
  exchanges: [
    subscriptionExchange({
      forwardSubscription: (request) => ({
        subscribe: (sink) => subscribe({ query: request.query ?? '', variables: request.variables as Record<string, unknown> | undefined }, sink),
      }),
    }),
    fetchExchange,
  ],
});

export interface Outcome<T> {
  data?: T;
  /** What went wrong, for a person: a GraphQL error or a network failure. */
  error?: string;
  /** The API's error code, e.g. UNAUTHENTICATED (no key, or a wrong one). */
  code?: string;
}

function outcomeOf<T>(result: { data?: T; error?: { graphQLErrors: { message: string; extensions?: Record<string, unknown> }[]; networkError?: Error } }): Outcome<T> {
  if (!result.error) return { data: result.data };
  const code = result.error.graphQLErrors[0]?.extensions?.code;
  return { data: result.data, error: describe(result.error), code: typeof code === 'string' ? code : undefined };
}

export async function query<D, V extends AnyVariables>(document: TypedDocumentNode<D, V>, variables: V): Promise<Outcome<D>> {
  return outcomeOf(await client.query(document, variables).toPromise());
}

export async function mutate<D, V extends AnyVariables>(document: TypedDocumentNode<D, V>, variables: V): Promise<Outcome<D>> {
  return outcomeOf(await client.mutation(document, variables).toPromise());
}

function describe(error: { graphQLErrors: { message: string }[]; networkError?: Error }): string {
  if (error.graphQLErrors.length > 0) return error.graphQLErrors.map((e) => e.message).join('; ');
  if (error.networkError) return `The server could not be reached (${error.networkError.message}).`;
  return 'The request failed.';
}

/**
 * A mutation's typed result union: the object it returns, or an expected failure (ForbiddenError,
 * InvalidTransitionError, ...) carrying a message, which is what the person sees.
 */
export function failureOf(result: unknown): string | null {
  if (result && typeof result === 'object' && 'code' in result && 'message' in result) return String((result as { message: string }).message);
  return null;
}
