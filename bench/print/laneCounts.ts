// Lane counts at scale: the table grown to `total` rows straight from SQL (one scan, slice and
// batch holding the filler rows, statuses spread as a busy day leaves them), then the API's
// `printLanes` query timed over HTTP against an API server on the same database.
import { sql } from 'drizzle-orm';
import { query } from '../../src/db/client.ts';
import { startApiServer } from '../../src/api/server.ts';
import type { ServiceContext } from '../../src/services/context.ts';
import { now } from '../engine/system.ts';

export async function growRows(services: ServiceContext, total: number): Promise<number> {
  const [current] = await query<{ n: number }>(services.db, sql`select count(*)::int as n from print_export_rows`);
  const missing = total - Number(current?.n ?? 0);
  if (missing <= 0) return 0;
  await services.db.transaction(async (tx) => {
    await tx.execute(sql`
      with scan as (insert into print_scans (scope_name, lane, selection, status, created_by) values ('bench-filler', 'production', '{}', 'running', 'bench') returning id),
           slice as (insert into print_slices (scan_id, lane, position, document_ids, documents_total, status) select id, 'production', 0, '{}', 0, 'enqueued' from scan returning id, scan_id),
           batch as (insert into print_batches (slice_id, scan_id, lane, rows_total) select id, scan_id, 'production', ${missing} from slice returning id, slice_id, scan_id)
      insert into print_export_rows (lane, status, document_id, document_key, scan_id, slice_id, batch_id, attempts)
      select case when g % 3 = 0 then 'historical' else 'production' end,
             case when g % 50 = 0 then 'failed_export' when g % 10 = 0 then 'queued' else 'exported' end,
             g, 'filler-' || g, batch.scan_id, batch.slice_id, batch.id, 1
      from batch, generate_series(1, ${missing}) as g`);
  });
  await services.db.execute(sql`analyze print_export_rows`);
  return missing;
}

export async function timeLaneCounts(services: ServiceContext, requests: number): Promise<{ p50: number; p99: number; total: number }> {
  const api = await startApiServer({ services, host: '127.0.0.1', port: 0, production: true });
  const body = JSON.stringify({ query: '{ printLanes { lane paused counts { queued processing exported failedExport cancelled } } }' });
  const times: number[] = [];
  let total = 0;
  try {
    for (let i = 0; i < requests + 20; i++) {
      const started = now();
      const response = await fetch(api.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      const result = (await response.json()) as { data?: { printLanes: { counts: Record<string, number> }[] }; errors?: unknown };
      if (!result.data) throw new Error(`printLanes failed: ${JSON.stringify(result.errors)}`);
      if (i >= 20) times.push(now() - started); // the first requests warm the server up
      total = result.data.printLanes.reduce((sum, lane) => sum + Object.values(lane.counts).reduce((a, b) => a + b, 0), 0);
    }
  } finally {
    await api.close();
  }
  times.sort((a, b) => a - b);
  const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))]!;
  return { p50: at(0.5), p99: at(0.99), total };
}
