// The API process: Yoga (HTTP, SSE, GraphiQL) and graphql-ws on one HTTP server and port.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import { useCSRFPrevention } from '@graphql-yoga/plugin-csrf-prevention';
import { useServer } from 'graphql-ws/use/ws';
import { type DocumentNode, GraphQLError } from 'graphql';
import { createYoga, maskError, type YogaServerInstance } from 'graphql-yoga';
import { type WebSocket, WebSocketServer } from 'ws';
import type { ServiceContext } from '../services/context.ts';
import { InvalidInputError, ListenError, PressroomError } from '../services/errors.ts';
import { schema } from '../schema/index.ts';
import { isDatabaseUnavailable } from '../db/unavailable.ts';
import { webSockets } from '../metrics/index.ts';
import { measureEvents } from '../metrics/events.ts';
import { armorRefusal } from './armorRefusals.ts';
import { bearerToken, refusalOf } from './auth.ts';
import type { ApiContext, Caller } from './context.ts';
import { AbuseGuard, type AbuseLimits, type ConnectionHolder } from './limits/index.ts';
import { LimitError } from './limits/errors.ts';
import { boundedDocumentCaches, releaseErrorFrames } from './documentCaches.ts';
import { graphiqlPage } from './graphiql.ts';
import { createLoaders } from './loaders.ts';
import { httpRoutes } from './routes/index.ts';
import { findRoute } from './routes/types.ts';
import { operatorLogPlugin } from './operatorLog.ts';

export interface ApiServerOptions {
  services: ServiceContext;
  port: number;
  host: string;
  /** Development: field suggestions on. */
  production: boolean;
  /** Abuse limits (src/api/limits); none when unset (`pressroom serve` sets those of PRESSROOM_LIMIT_*). */
  limits?: AbuseLimits;
  /** The secret the CLI on this machine brings to act as the admin 'cli' (src/api/localControl.ts). */
  localControlToken?: string;
}

export interface ApiServer {
  url: string;
  server: Server;
  close(): Promise<void>;
}

const MAX_REQUEST_BYTES = 1_000_000;
/** graphql-ws's close code for "too many" (its 4429 is for repeated connection_init; the meaning carries over). */
const CLOSE_TOO_MANY = 4429;

type ServerContext = { req: IncomingMessage };

/**
 * Expected failures thrown where no error union catches them (a query without a key, a bad
 * cursor) keep their message and code; anything else is masked.
 */
function maskApiError(error: unknown, message: string): Error {
  const original = error instanceof GraphQLError ? error.originalError : error;
  if (original instanceof LimitError) {
    return new GraphQLError(original.message, {
      path: error instanceof GraphQLError ? error.path : undefined,
      extensions: { code: original.code, http: { status: original.httpStatus, headers: { 'retry-after': String(original.retryAfterSeconds) } } },
    });
  }
  if (isDatabaseUnavailable(error)) {
    return new GraphQLError('The database is unavailable right now; retry in a few seconds.', {
      path: error instanceof GraphQLError ? error.path : undefined,
      extensions: { code: 'DATABASE_UNAVAILABLE', retryable: true, http: { status: 503, headers: { 'retry-after': '2' } } },
    });
  }
  // Yoga parses a GET's `variables` and `extensions` with JSON.parse and lets its SyntaxError out;
  // inside execution every error is a GraphQLError, so a bare SyntaxError is the request's.
  if (error instanceof SyntaxError) {
    return new GraphQLError('The variables and extensions parameters must be JSON objects.', { extensions: { code: 'BAD_REQUEST', http: { status: 400 } } });
  }
  // Never the development details (stack, SQL) Yoga adds when NODE_ENV is development.
  if (!(error instanceof GraphQLError) || !(original instanceof PressroomError)) return maskError(error, message, false);
  return new GraphQLError(original.message, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    path: error.path,
    extensions: { code: original.code, ...(original instanceof InvalidInputError ? { issues: original.issues } : {}) },
  });
}

/** Yoga's message for a masked error. */
const MASKED_MESSAGE = 'Unexpected error.';

/** A request without a live key, where one is needed: HTTP 401 with a GraphQL error body. */
function unauthenticated(caller: Caller): GraphQLError {
  return new GraphQLError(refusalOf(caller), { extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } } });
}

export function createApi(
  options: Pick<ApiServerOptions, 'services' | 'production' | 'localControlToken'>,
  guard = new AbuseGuard(),
): YogaServerInstance<ServerContext, ApiContext> {
  const { services } = options;
  return createYoga<ServerContext, ApiContext>({
    schema,
    graphqlEndpoint: '/graphql',
    landingPage: false,
    maskedErrors: { maskError: maskApiError },
    // Request bodies, chunked or not; WebSocket messages are bounded by maxPayload below.
    maxRequestBodySize: MAX_REQUEST_BYTES,
    parserAndValidationCache: boundedDocumentCaches(),
    logging: false,
    ...graphiqlPage(services),
    context: async ({ request, req }) => {
      const token = bearerToken(request.headers.get('authorization'));
      const caller = await guard.caller(services.db, token, req?.socket.remoteAddress, options.localControlToken);
      // Nothing in the API is open without a role: refuse now, with a status a client can act on.
      if (caller.role === null) throw unauthenticated(caller);
      return { services, caller, loaders: createLoaders(services.db) };
    },
    plugins: [
      operatorLogPlugin(),
      releaseErrorFrames(),
      // A request a browser could send cross-site without a preflight (GET, form or text/plain
      // POST) must carry a header only a script can set; GraphiQL sends one (src/api/graphiql.ts).
      useCSRFPrevention({ requestHeaders: ['x-graphql-yoga-csrf', 'authorization'] }),
      EnvelopArmorPlugin({
        maxDepth: { n: 10, ...armorRefusal },
        // Armor's cost multiplies by `first` and by 1.5 per level: a page of 50 jobs with their queue
        // stats, 5 items and 5 history entries costs about 62k, a page of 200 jobs with every field
        // about 64k. 5k refused even a history page of 200; nested pages of 200 (millions) stay out.
        costLimit: { maxCost: 100_000, ...armorRefusal },
        maxAliases: { n: 15, ...armorRefusal },
        maxTokens: { n: 2_000 },
        maxDirectives: { n: 20, ...armorRefusal },
        blockFieldSuggestion: { enabled: options.production },
      }),
    ],
  });
}

export async function startApiServer(options: ApiServerOptions): Promise<ApiServer> {
  const guard = new AbuseGuard(options.limits);
  const yoga = createApi(options, guard);
  const server = createServer((req, res) => {
    const route = findRoute(httpRoutes, req);
    if (route) void Promise.resolve(route.handle(req, res, options.services)).catch(() => res.destroy());
    else void yoga(req, res, { req });
  });
  // Listening before the WebSocket server is attached: it would re-emit a listen error as its own.
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error) => reject(ListenError.from(error, options.host, options.port)));
    server.listen(options.port, options.host, () => resolve());
  });
  const sockets = new WebSocketServer({
    server,
    path: yoga.graphqlEndpoint,
    maxPayload: MAX_REQUEST_BYTES,
    // A page on another site may open a WebSocket here with the browser's loopback address: only
    // pages served from this origin (GraphiQL, the dashboard) and clients that are not browsers (no Origin) may.
    verifyClient: ({ req }: { req: IncomingMessage }) => isSameOrigin(req),
  });
  // Who each connection counts against (src/api/limits): its address, then its key.
  const holders = new WeakMap<WebSocket, ConnectionHolder>();
  sockets.on('connection', (socket, request) => {
    const holder: ConnectionHolder = { address: request.socket.remoteAddress ?? 'unknown', key: null, subscriptions: new Set() };
    const refused = guard.openConnection(holder);
    if (refused) return socket.close(CLOSE_TOO_MANY, refused);
    holders.set(socket, holder);
    webSockets.inc();
    socket.once('close', () => {
      webSockets.dec();
      guard.closeConnection(holder);
    });
  });
  const holderOf = (socket: WebSocket) => holders.get(socket) ?? { address: 'unknown', key: null, subscriptions: new Set<string>() };
  measureEvents(options.services.bus);
  useServer<Record<string, unknown>, { request: IncomingMessage; socket: WebSocket }>(
    {
      // Authorised at connection_init and again on every subscribe (a key may be revoked meanwhile).
      onConnect: async (ctx) => {
        const token = bearerToken(String(ctx.connectionParams?.authorization ?? ''));
        let caller: Caller;
        try {
          caller = await guard.caller(options.services.db, token, ctx.extra.request.socket.remoteAddress, options.localControlToken);
        } catch (error) {
          if (!(error instanceof LimitError)) throw error;
          ctx.extra.socket.close(CLOSE_TOO_MANY, error.message);
          return false;
        }
        if (caller.role === null) return false;
        const refused = guard.authenticateConnection(holderOf(ctx.extra.socket), token ? caller.name : null);
        if (refused) ctx.extra.socket.close(CLOSE_TOO_MANY, refused);
        return !refused;
      },
      // Yoga's envelop prepares each operation once (parse, validation rules, context); the
      // operation then runs on graphql-js itself. Yoga's execute/subscribe would wrap every
      // message of every subscription in its plugin layers, which only mask errors here (below):
      // with thousands of subscribers, that cost a third of the API's CPU and kilobytes per subscription.
      onSubscribe: async (ctx, id, params) => {
        const { schema: enveloped, contextFactory, parse, validate } = yoga.getEnveloped({
          ...ctx,
          req: ctx.extra.request,
          request: { headers: new Headers({ authorization: String(ctx.connectionParams?.authorization ?? '') }) },
          params,
        });
        // A bad operation (syntax, too many tokens, invalid, too deep or costly) gets an `error`
        // message for its id and the socket stays open for the others; 4500 is for server faults.
        // (Armor's limits throw from parse and from validation rules.)
        try {
          const document: DocumentNode = parse(params.query);
          const errors = validate(enveloped, document);
          if (errors.length > 0) return errors;
          // Counted from here until graphql-ws calls onComplete (it does for every operation that starts).
          const contextValue = await contextFactory();
          guard.startSubscription(holderOf(ctx.extra.socket), id);
          return { schema: enveloped, operationName: params.operationName, document, variableValues: params.variables, contextValue };
        } catch (error) {
          if (error instanceof GraphQLError) return [error];
          if (error instanceof LimitError) return [new GraphQLError(error.message, { extensions: { code: error.code } })];
          throw error;
        }
      },
      onComplete: (ctx, id) => guard.endSubscription(holderOf(ctx.extra.socket), id),
      onNext: (_ctx, _id, _params, _args, result) => {
        if (result.errors) return { ...result, errors: result.errors.map((error) => maskApiError(error, MASKED_MESSAGE) as GraphQLError) };
      },
      // A subscription whose stream throws: graphql-ws would send the raw message.
      onError: (_ctx, _id, _params, errors) => errors.map((error) => maskApiError(error, MASKED_MESSAGE) as GraphQLError),
    },
    sockets,
  );
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}${yoga.graphqlEndpoint}`,
    server,
    async close() {
      for (const client of sockets.clients) client.terminate();
      await new Promise<void>((resolve) => sockets.close(() => resolve()));
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A request without an Origin (not a browser), or from a page this server served. */
function isSameOrigin(req: IncomingMessage): boolean {
  const origin = req.headers.origin;
  if (!origin) return true;
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}
