// Plain HTTP routes served beside GraphQL on the API's port (health, metrics, device ingestion,
// the dashboard's files). Each concern keeps its routes in a module of its own under src/api/routes/.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ServiceContext } from '../../services/context.ts';

export interface HttpRoute {
  method: 'GET' | 'POST' | 'HEAD';
  /** An exact path, or a pattern for a family of paths. */
  path: string | RegExp;
  handle(req: IncomingMessage, res: ServerResponse, services: ServiceContext): Promise<void> | void;
}

export function findRoute(routes: readonly HttpRoute[], req: IncomingMessage): HttpRoute | undefined {
  const pathname = new URL(req.url ?? '/', 'http://localhost').pathname;
  return routes.find(
    (route) => route.method === req.method && (typeof route.path === 'string' ? route.path === pathname : route.path.test(pathname)),
  );
}
