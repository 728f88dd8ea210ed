// The dashboard's one GraphQL client: queries and mutations over HTTP, subscriptions over
// graphql-ws, or over SSE when no WebSocket gets through. Everything goes to this origin's /graphql.
import { Client, fetchExchange, subscriptionExchange, type AnyVariables, type TypedDocumentNode } from '@urql/core';
import { createClient as createWsClient } from 'graphql-ws';
import { setLiveState } from './connection.ts';
import { authorization } from './session.ts';
import { subscribeSse } from './sse.ts';

/** Yoga's CSRF prevention: a header only a script sets. */
const headers = (): Record<string, string> => {
  const auth = authorization();
  return { 'x-graphql-yoga-csrf': '1', ...(auth ? { authorization: auth } : {}) };
};

/** WebSocket connections that failed before ever connecting; after a few, SSE takes over. */
let failedBeforeConnect = 0;
let everConnected = false;
let transport: 'websocket' | 'sse' = 'websocket';

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
      if (!everConnected) failedBeforeConnect++;
      setLiveState('down', 'websocket');
    },
  },
});

export const client = new Client({
  url: '/graphql',
  requestPolicy: 'network-only',
  preferGetMethod: false,
  fetchOptions: () => ({ headers: headers() }),
  exchanges: [
    subscriptionExchange({
      forwardSubscription: (request) => ({
        subscribe: (sink) => {
          if (transport === 'websocket' && !everConnected && failedBeforeConnect >= 3) transport = 'sse';
          const query = request.query ?? '';
          const stop =
            transport === 'sse'
              ? subscribeSse({ query, variables: request.variables }, headers(), sink)
              : ws.subscribe({ query, variables: request.variables as Record<string, unknown> }, sink);
          return { unsubscribe: stop };
        },
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
