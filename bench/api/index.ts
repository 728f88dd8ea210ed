// The API at scale (issue #5, part 3): a loaded database, a real `pressroom serve` on it, and each
// query driven over HTTP in turn; the baseline `{ __typename }` shows what the server costs alone.
import { ensureLoaded } from './loader.ts';
import { measure, type LoadSettings, type Measured } from './measure.ts';
import { benchQueries } from './queries.ts';
import { renderConsole, renderMarkdown } from './report.ts';
import { serveApi } from './server.ts';

export interface ApiBenchOptions extends Partial<LoadSettings> {
  /** A postgres:// URL of the server; the bench database is made beside it. */
  databaseUrl: string;
  /** Kept between runs; default pressroom_bench_api. */
  database?: string;
  jobs: number;
  history: number;
  /** Load again even when the database already holds these sizes. */
  reload?: boolean;
  log?: (line: string) => void;
}

export interface ApiBenchResult {
  consoleLines: string[];
  markdown: string[];
  measured: Measured[];
}

export const DEFAULT_LOAD: LoadSettings = { connections: [1, 10], durationSeconds: 10, warmupSeconds: 3 };

export async function runApiBench(options: ApiBenchOptions): Promise<ApiBenchResult> {
  const log = options.log ?? (() => {});
  const settings: LoadSettings = {
    connections: options.connections ?? DEFAULT_LOAD.connections,
    durationSeconds: options.durationSeconds ?? DEFAULT_LOAD.durationSeconds,
    warmupSeconds: options.warmupSeconds ?? DEFAULT_LOAD.warmupSeconds,
    amount: options.amount,
  };
  const loaded = await ensureLoaded({
    adminUrl: options.databaseUrl,
    database: options.database ?? 'pressroom_bench_api',
    jobs: options.jobs,
    history: options.history,
    reload: options.reload ?? false,
    log,
  });
  const api = await serveApi(loaded.url);
  const measured: Measured[] = [];
  try {
    for (const query of await benchQueries(api.url, loaded.url)) {
      const result = await measure(api.url, query, settings);
      for (const pass of result.passes) {
        log(`api bench: ${query.name}, ${pass.connections} conn.: p50 ${pass.p50} ms, p99 ${pass.p99} ms, ${Math.round(pass.requestsPerSecond)} req/s, ${pass.errors} errors`);
      }
      measured.push(result);
    }
  } finally {
    await api.stop();
  }
  return { consoleLines: renderConsole(measured), markdown: renderMarkdown(measured, loaded, settings), measured };
}
