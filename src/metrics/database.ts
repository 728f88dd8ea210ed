// Metrics of the whole system, read from the database at each scrape: live jobs by queue, kind and
// status, workers by status, and the database connections Pressroom processes hold (server mode).
// A scrape while the database is away reports pressroom_database_up 0 and leaves these out.
import { sql } from 'drizzle-orm';
import { Gauge } from 'prom-client';
import { query, type Db } from '../db/client.ts';
import { registry } from './index.ts';

const databaseUp = new Gauge({ name: 'pressroom_database_up', help: '1 when the last scrape could read the database', registers: [registry] });

const jobs = new Gauge({
  name: 'pressroom_jobs',
  help: 'Jobs waiting or under way (queued, running, paused), by queue, kind and status',
  labelNames: ['queue', 'kind', 'status'] as const,
  registers: [registry],
});

const workers = new Gauge({
  name: 'pressroom_workers',
  help: 'Registered worker processes that are running or stopping',
  labelNames: ['status'] as const,
  registers: [registry],
});

const connections = new Gauge({
  name: 'pressroom_db_connections',
  help: 'Connections of Pressroom processes to this database, by state (server mode; pg_stat_activity)',
  labelNames: ['state'] as const,
  registers: [registry],
});

/** Reads the gauges above; called by the /metrics route before it renders the registry. */
export async function collectDatabaseMetrics(db: Db): Promise<void> {
  jobs.reset();
  workers.reset();
  connections.reset();
  try {
    const [jobRows, workerRows, connectionRows] = await Promise.all([
      query<{ queue: string; kind: string; status: string; count: string | number }>(
        db,
        sql`select queue, kind, status, count(*) as count from jobs where status in ('queued', 'running', 'paused') group by queue, kind, status`,
      ),
      query<{ status: string; count: string | number }>(db, sql`select status, count(*) as count from workers where status in ('running', 'stopping') group by status`),
      // Embedded, the one connection has no such name: nothing.
      query<{ state: string | null; count: string | number }>(
        db,
        sql`select state, count(*) as count from pg_stat_activity where datname = current_database() and application_name like 'pressroom%' group by state`,
      ),
    ]);
    for (const row of jobRows) jobs.set({ queue: row.queue, kind: row.kind, status: row.status }, Number(row.count));
    for (const row of workerRows) workers.set({ status: row.status }, Number(row.count));
    for (const row of connectionRows) connections.set({ state: row.state ?? 'unknown' }, Number(row.count));
    databaseUp.set(1);
  } catch {
    databaseUp.set(0);
  }
}
