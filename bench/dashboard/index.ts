// The dashboard at scale (issue #13): with 1,000,000 jobs (the API bench's loader, in a database
// of this section's own), how long the overview and the jobs page take to show in Chromium, and
// how many statements PostgreSQL runs with 1, 10 and 100 dashboards open on one API process on
// each live page (overview, print, tracking) while events arrive all the time: each page's live
// state is one shared read per process, so the rate must not grow with the number of dashboards.
import { ensureLoaded } from '../api/loader.ts';
import { spawnPressroom } from '../pressroomProcess.ts';
import { launchBrowser } from '../../test/support/browser.ts';
import { renderTimes, type RenderTime } from './render.ts';
import { LIVE_PAGES, statementRate, type StatementRate } from './statements.ts';
import { publishEvents } from './events.ts';

export interface DashboardBenchOptions {
  databaseUrl: string;
  /** Kept between runs; default pressroom_bench_dashboard. */
  database?: string;
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
  const database = options.database ?? 'pressroom_bench_dashboard';
  const loaded = await ensureLoaded({ adminUrl: options.databaseUrl, database, jobs: options.jobs, history: options.jobs, reload: false, log });
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
    const events = publishEvents(options.redisUrl, redis.PRESSROOM_REDIS_PREFIX, 50);
    try {
      // No dashboard open: what the API process and the events cost on their own.
      const runs = [{ live: LIVE_PAGES[0]!, dashboards: 0 }, ...LIVE_PAGES.flatMap((live) => options.dashboards.map((dashboards) => ({ live, dashboards })))];
      for (const { live, dashboards } of runs) {
        const rate = await statementRate(`${origin}/graphql`, loaded.url, live, dashboards, options.windowSeconds);
        log(
          `dashboard bench: ${dashboards ? `${live.page} page, ` : ''}${dashboards} dashboards: ${rate.transactionsPerSecond.toFixed(1)} statements/s, ${rate.messagesPerSecond.toFixed(2)} messages/s each`,
        );
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
    ...rates.map(
      (r) => `  ${(r.dashboards ? r.page : '').padEnd(8)} ${String(r.dashboards).padStart(3)} dashboards: ${r.transactionsPerSecond.toFixed(1)} statements/s (${(r.transactionsPerSecond - base).toFixed(1)} above none)`,
    ),
  ];
  const markdown = [
    `## Dashboard at ${jobs.toLocaleString('en')} jobs`,
    '',
    `\`BENCH_SECTIONS=dashboard npm run bench\` (bench/dashboard/): ${jobs.toLocaleString('en')} jobs loaded by the API bench's loader into a database of its own, one \`pressroom serve\` (production mode) with Redis, Debian's Chromium through playwright-core. A 2-core machine that other work may share: read the figures as orders of magnitude.`,
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
    `N graphql-ws clients each open a live page's own subscriptions (web/src/operations/: the overview; the print page's printLanes and printGovernor; the tracking page's trackingProgress) on one API process while events arrive through Redis in the format worker processes publish, 50 a second of each: job updates (every other one of a print cycle), print lane updates and tracking records (so that nothing but the API touches the database). Counted: the bench database's committed transactions over ${options.windowSeconds} s (pg_stat_database; every statement outside an explicit transaction is one).`,
    '',
    '| page | dashboards | statements/s | above 0 dashboards | messages/s per dashboard |',
    '| --- | ---: | ---: | ---: | ---: |',
    ...rates.map((r) => `| ${r.dashboards ? r.page : '(none)'} | ${r.dashboards} | ${r.transactionsPerSecond.toFixed(1)} | ${(r.transactionsPerSecond - base).toFixed(1)} | ${r.messagesPerSecond.toFixed(2)} |`),
    '',
    'Each live page is read once per refresh per API process and the same read is pushed to every subscriber (src/api/sharedFeed.ts): the overview at most once a second while events arrive, every 5 s otherwise (a fixed set of about nine statements; the finished counts come from the process\'s 5-second cache); the print lanes and governor at most every 200 ms, the tracking markers every 250 ms, only after events. So the rate stays flat from 1 to 100 dashboards. Had each tab read its own, the rate would be those statements times the number of tabs.',
  ];
  return { consoleLines, markdown };
}
