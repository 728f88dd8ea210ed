// The dashboard at scale (issue #13): with 1,000,000 jobs (the API bench's loader, in a database
// of this section's own), how long the overview and the jobs page take to show in Chromium, and
// how many statements PostgreSQL runs with 1, 10 and 100 dashboards open on one API process
// while job events arrive all the time: the overview is one shared read per process, so the
// rate must not grow with the number of dashboards.
import { ensureLoaded } from '../api/loader.ts';
import { spawnPressroom } from '../pressroomProcess.ts';
import { launchBrowser } from '../../test/support/browser.ts';
import { renderTimes, type RenderTime } from './render.ts';
import { statementRate, type StatementRate } from './statements.ts';
import { publishJobEvents } from './events.ts';

export interface DashboardBenchOptions {
  databaseUrl: string;
  redisUrl: string;
  jobs: number;
  dashboards: number[];
  windowSeconds: number;
  renderRuns: number;
  log: (line: string) => void;
}

export interface DashboardBenchResult {
  consoleLines: string[];
  markdown: string[];
}

export async function runDashboardBench(options: DashboardBenchOptions): Promise<DashboardBenchResult> {
  const { log } = options;
  const loaded = await ensureLoaded({ adminUrl: options.databaseUrl, database: 'pressroom_bench_dashboard', jobs: options.jobs, history: options.jobs, reload: false, log });
  // The per-minute rollup of the last day, as the supervisor would have made it.
  await rollupLastDay(loaded.url);
  const redis = { REDIS_URL: options.redisUrl, PRESSROOM_REDIS_PREFIX: `bench-dashboard-${process.pid}` };
  const api = spawnPressroom('serve', { DATABASE_URL: loaded.url, ...redis, PRESSROOM_HOST: '127.0.0.1', PRESSROOM_PORT: '0', NODE_ENV: 'production', LOG_LEVEL: 'info' });
  const [, origin] = await api.waitFor(/GraphiQL at (http:\/\/\S+)\/graphql/, 120_000);
  const browser = await launchBrowser();
  let renders: RenderTime[] = [];
  const rates: StatementRate[] = [];
  try {
    renders = await renderTimes(browser, origin!, options.renderRuns);
    for (const r of renders) log(`dashboard bench: ${r.page} (${r.shown}) shown in ${r.firstMs} ms first, ${r.medianMs} ms median`);
    await browser.close();
    const events = publishJobEvents(options.redisUrl, redis.PRESSROOM_REDIS_PREFIX, 50);
    try {
      for (const dashboards of [0, ...options.dashboards]) {
        const rate = await statementRate(`${origin}/graphql`, loaded.url, dashboards, options.windowSeconds);
        log(`dashboard bench: ${dashboards} dashboards: ${rate.transactionsPerSecond.toFixed(1)} statements/s, ${rate.messagesPerSecond.toFixed(2)} overview messages/s each`);
        rates.push(rate);
      }
    } finally {
      await events.stop();
    }
  } finally {
    await browser.close().catch(() => {});
    await api.stop();
  }
  return render(loaded.jobs, renders, rates, options);
}

async function rollupLastDay(url: string) {
  const { openDatabase } = await import('../../src/db/client.ts');
  const { rollupJobMetrics } = await import('../../src/services/engine/metrics/rollup.ts');
  const database = await openDatabase({ url, poolSize: 1 });
  try {
    const ctx = { db: database.db } as Parameters<typeof rollupJobMetrics>[0]['ctx'];
    await rollupJobMetrics({ ctx, settings: {} as never, by: { actor: 'bench' }, previousTickAt: new Date(Date.now() - 24 * 3_600_000) });
  } finally {
    await database.close();
  }
}

function render(jobs: number, renders: RenderTime[], rates: StatementRate[], options: DashboardBenchOptions): DashboardBenchResult {
  const base = rates[0]?.transactionsPerSecond ?? 0;
  const consoleLines = [
    `dashboard (${jobs.toLocaleString('en')} jobs)`,
    ...renders.map((r) => `  ${`${r.page} (${r.shown})`.padEnd(44)} first ${r.firstMs} ms, median ${r.medianMs} ms of ${r.runs}`),
    ...rates.map((r) => `  ${String(r.dashboards).padStart(3)} dashboards: ${r.transactionsPerSecond.toFixed(1)} statements/s (${(r.transactionsPerSecond - base).toFixed(1)} above none)`),
  ];
  const markdown = [
    '## Dashboard at 1,000,000 jobs',
    '',
    `\`BENCH_SECTIONS=dashboard npm run bench\` (bench/dashboard/): ${jobs.toLocaleString('en')} jobs loaded by the API bench's loader into a database of its own, one \`pressroom serve\` (production mode) with Redis, Debian's Chromium through playwright-core. A busy, shared 2-core machine: read the figures as orders of magnitude.`,
    '',
    '### Time to show a page (target ≤ 1 s)',
    '',
    'From navigation to the data on screen: the overview\'s queue rows; the jobs page\'s 50 rows, and its total count (a query of its own, so the rows do not wait for it). "First" is the first load after the API process started (its finished-count cache cold); the median is of the loads after it, each in a fresh browser context (no HTTP cache).',
    '',
    '| page | shown | first | median | loads |',
    '| --- | --- | ---: | ---: | ---: |',
    ...renders.map((r) => `| ${r.page} | ${r.shown} | ${r.firstMs} ms | ${r.medianMs} ms | ${r.runs} |`),
    '',
    '### PostgreSQL statements per second with dashboards open',
    '',
    `N graphql-ws clients open the dashboard's own overview subscription (web/src/operations/overview.ts) on one API process while 50 job events a second arrive through Redis in the format worker processes publish (so that nothing but the API touches the database). Counted: the bench database's committed transactions over ${options.windowSeconds} s (pg_stat_database; every statement outside an explicit transaction is one).`,
    '',
    '| dashboards | statements/s | above 0 dashboards | overview messages/s per dashboard |',
    '| ---: | ---: | ---: | ---: |',
    ...rates.map((r) => `| ${r.dashboards} | ${r.transactionsPerSecond.toFixed(1)} | ${(r.transactionsPerSecond - base).toFixed(1)} | ${r.messagesPerSecond.toFixed(2)} |`),
    '',
    'The overview is read once per refresh per API process (at most once a second while events arrive, every 5 s otherwise: a fixed set of about nine statements) and the same read is pushed to every subscriber, so the rate stays flat from 1 to 100 dashboards; the finished counts come from the process\'s 5-second cache. Before this, each dashboard tab ran its own queue-stats reads.',
  ];
  return { consoleLines, markdown };
}
