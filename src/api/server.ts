// The API process: Yoga (HTTP, SSE, GraphiQL) and graphql-ws on one HTTP server and port.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import { useCSRFPrevention } from '@graphql-yoga/plugin-csrf-prevention';
import { useServer } from 'graphql-ws/use/ws';
import { GraphQLError } from 'graphql';
import { createYoga, maskError, type YogaServerInstance } from 'graphql-yoga';
import { WebSocketServer } from 'ws';
import type { ServiceContext } from '../services/context.ts';
import { InvalidInputError, PressroomError } from '../services/errors.ts';
import { schema } from '../schema/index.ts';
import { bearerToken, refusalOf, resolveCaller } from './auth.ts';
import type { ApiContext, Caller } from './context.ts';
import { graphiqlPage } from './graphiql.ts';
import { limitPlugin } from './limits.ts';
import { operatorLogPlugin } from './operatorLog.ts';
import { createLoaders } from './loaders.ts';
import { httpRoutes } from './routes/index.ts';
import { findRoute } from './routes/types.ts';

export interface ApiServerOptions {
  services: ServiceContext;
  port: number;
  host: string;
  /** Development: field suggestions on. */
  production: boolean;
  /** The secret the CLI on this machine brings to act as the admin 'cli' (src/api/localControl.ts). */
  localControlToken?: string;
}

export interface ApiServer {
  url: string;
  server: Server;
  close(): Promise<void>;
}

const MAX_REQUEST_BYTES = 1_000_000;

type ServerContext = { req: IncomingMessage };

/**
 * Expected failures thrown where no error union catches them (a query without a key, a bad
 * cursor) keep their message and code; anything else is masked.
 */
function maskApiError(error: unknown, message: string): Error {
  const original = error instanceof GraphQLError ? error.originalError : error;
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

export function createApi(options: Pick<ApiServerOptions, 'services' | 'production' | 'localControlToken'>): YogaServerInstance<ServerContext, ApiContext> {
  const { services } = options;
  return createYoga<ServerContext, ApiContext>({
    schema,
    graphqlEndpoint: '/graphql',
    landingPage: false,
    maskedErrors: { maskError: maskApiError },
    // Request bodies, chunked or not; WebSocket messages are bounded by maxPayload below.
    maxRequestBodySize: MAX_REQUEST_BYTES,
    logging: false,
    ...graphiqlPage(services),
    context: async ({ request, req }) => {
      const caller = await resolveCaller(services.db, bearerToken(request.headers.get('authorization')), req?.socket.remoteAddress, options.localControlToken);
      // Nothing in the API is open without a role: refuse now, with a status a client can act on.
      if (caller.role === null) throw unauthenticated(caller);
      return { services, caller, loaders: createLoaders(services.db) };
    },
    plugins: [
      operatorLogPlugin(),
      // A request a browser could send cross-site without a preflight (GET, form or text/plain
      // POST) must carry a header only a script can set; GraphiQL sends one (src/api/graphiql.ts).
      useCSRFPrevention({ requestHeaders: ['x-graphql-yoga-csrf', 'authorization'] }),
      EnvelopArmorPlugin({
        maxDepth: { n: 10, ...limitPlugin },
        // Armor's cost multiplies by `first` and by 1.5 per level: a page of 50 jobs with their queue
        // stats, 5 items and 5 history entries costs about 62k, a page of 200 jobs with every field
        // about 64k. 5k refused even a history page of 200; nested pages of 200 (millions) stay out.
        costLimit: { maxCost: 100_000, ...limitPlugin },
        maxAliases: { n: 15, ...limitPlugin },
        maxTokens: { n: 2_000 },
        maxDirectives: { n: 20, ...limitPlugin },
        blockFieldSuggestion: { enabled: options.production },
      }),
    ],
  });
}

export async function startApiServer(options: ApiServerOptions): Promise<ApiServer> {
  const yoga = createApi(options);
  const server = createServer((req, res) => {
    const route = findRoute(httpRoutes, req);
    if (route) void Promise.resolve(route.handle(req, res, options.services)).catch(() => res.destroy());
    else void yoga(req, res, { req });
  });
  const sockets = new WebSocketServer({
    server,
    path: yoga.graphqlEndpoint,
    maxPayload: MAX_REQUEST_BYTES,
    // A page on another site may open a WebSocket here with the browser's loopback address: only
    // pages served from this origin (GraphiQL) and clients that are not browsers (no Origin) may.
    verifyClient: ({ req }: { req: IncomingMessage }) => isSameOrigin(req),
  });
  useServer<Record<string, unknown>, { request: IncomingMessage }>(
    {
      // Authorised at connection_init and again on every subscribe (a key may be revoked meanwhile).
      onConnect: async (ctx) => {
        const caller = await resolveCaller(options.services.db, bearerToken(String(ctx.connectionParams?.authorization ?? '')), ctx.extra.request.socket.remoteAddress, options.localControlToken);
        return caller.role !== null;
      },
      // Yoga's envelop prepares each operation once (parse, validation rules, context); the
      // operation then runs on graphql-js itself. Yoga's execute/subscribe would wrap every
      // message of every subscription in its plugin layers, which only mask errors here (below):
      // with thousands of subscribers, that cost a third of the API's CPU and kilobytes per subscription.
      onSubscribe: async (ctx, _id, params) => {
        const { schema: enveloped, contextFactory, parse, validate } = yoga.getEnveloped({
          ...ctx,
          req: ctx.extra.request,
          request: { headers: new Headers({ authorization: String(ctx.connectionParams?.authorization ?? '') }) },
          params,
        });
        const document = parse(params.query);
        const errors = validate(enveloped, document);
        if (errors.length > 0) return errors;
        let contextValue;
        try {
          contextValue = await contextFactory();
        } catch (error) {
          // The key was revoked since the connection began: refuse this operation, say why.
          if (error instanceof GraphQLError) return [error];
          throw error;
        }
        return { schema: enveloped, operationName: params.operationName, document, variableValues: params.variables, contextValue };
      },
      onNext: (_ctx, _id, _params, _args, result) => {
        if (result.errors) return { ...result, errors: result.errors.map((error) => maskApiError(error, MASKED_MESSAGE) as GraphQLError) };
      },
    },
    sockets,
  );
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
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
