// /metrics: this process's Prometheus metrics (src/metrics/), with the system-wide gauges read
// from the database at each scrape.
import { collectDatabaseMetrics } from '../../metrics/database.ts';
import { registry } from '../../metrics/index.ts';
import type { HttpRoute } from './types.ts';

export const metricsRoutes: HttpRoute[] = [
  {
    method: 'GET',
    path: '/metrics',
    async handle(_req, res, services) {
      await collectDatabaseMetrics(services.db);
      const body = await registry.metrics();
      res.writeHead(200, { 'content-type': registry.contentType, 'cache-control': 'no-store' });
      res.end(body);
    },
  },
];
