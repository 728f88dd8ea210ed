// Probes for orchestrators and load balancers. /health: the process lives and serves HTTP (no
// database involved). /ready: it can do its work: the database answers, its migrations are all
// applied, and the event bus (Redis, when configured) is connected. Each answers with a status
// code and a few words per check, never an error message, a host name or a version.
import type { ServerResponse } from 'node:http';
import { sql } from 'drizzle-orm';
import { query } from '../../db/client.ts';
import { pendingMigrations } from '../../db/migrate.ts';
import type { ServiceContext } from '../../services/context.ts';
import type { HttpRoute } from './types.ts';

/** A database that does not answer within this is not ready. */
const DATABASE_CHECK_MS = 2_000;

type Check = 'ok' | 'unavailable' | 'pending' | 'down';

function sendJson(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

async function readiness(services: ServiceContext): Promise<Record<string, Check>> {
  const timeout = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), DATABASE_CHECK_MS).unref());
  const database = (async (): Promise<Pick<Record<string, Check>, 'database' | 'migrations'>> => {
    await query(services.db, sql`select 1`);
    return { database: 'ok', migrations: (await pendingMigrations(services.db)) === 0 ? 'ok' : 'pending' };
  })().catch(() => ({ database: 'unavailable' as const, migrations: 'unavailable' as const }));
  const checked = await Promise.race([database, timeout]);
  return {
    ...(checked === 'timeout' ? { database: 'unavailable', migrations: 'unavailable' } : checked),
    eventBus: services.bus.status?.up === false ? 'down' : 'ok',
  };
}

export const healthRoutes: HttpRoute[] = [
  { method: 'GET', path: '/health', handle: (_req, res) => sendJson(res, 200, { status: 'ok' }) },
  {
    method: 'GET',
    path: '/ready',
    async handle(_req, res, services) {
      const checks = await readiness(services);
      const ready = Object.values(checks).every((check) => check === 'ok');
      sendJson(res, ready ? 200 : 503, { status: ready ? 'ready' : 'not ready', checks });
    },
  },
];
