// How long the dashboard takes to show a page in Chromium: from navigation to the page's data
// on screen (the overview's queue rows; the jobs page's 50 rows, and its total count, which
// arrives separately).
import type { Browser } from 'playwright-core';

export interface RenderTime {
  page: string;
  /** What was waited for. */
  shown: string;
  /** The first load of the run (cold caches in the API process), then the median of the rest. */
  firstMs: number;
  medianMs: number;
  runs: number;
}

const ROWS = 'table.jobs tbody tr:nth-child(50)';
const COUNT = '[data-testid=total]:not(:has-text("counting"))';

const PAGES = [
  { page: 'overview', hash: '#/', ready: ['tr[data-queue=documents]'], shown: 'queue rows' },
  { page: 'jobs', hash: '#/jobs', ready: [ROWS], shown: '50 rows' },
  { page: 'jobs', hash: '#/jobs', ready: [ROWS, COUNT], shown: '50 rows and the total' },
  { page: 'jobs, status failed', hash: '#/jobs?status=failed', ready: [ROWS, COUNT], shown: '50 rows and the total' },
  { page: 'jobs, payload text', hash: '#/jobs?payloadText=press-7', ready: [ROWS], shown: '50 rows' },
  { page: 'jobs, payload text', hash: '#/jobs?payloadText=press-7', ready: [ROWS, COUNT], shown: '50 rows and the total' },
] as const;

export async function renderTimes(browser: Browser, origin: string, runs: number): Promise<RenderTime[]> {
  const results: RenderTime[] = [];
  for (const { page: name, hash, ready, shown } of PAGES) {
    const times: number[] = [];
    for (let run = 0; run < runs; run++) {
      const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
      const page = await context.newPage();
      const started = performance.now();
      await page.goto(`${origin}/${hash}`);
      for (const selector of ready) await page.locator(selector).waitFor({ timeout: 60_000 });
      times.push(performance.now() - started);
      await context.close();
    }
    const rest = times.slice(1).sort((a, b) => a - b);
    results.push({ page: name, shown, firstMs: Math.round(times[0]!), medianMs: Math.round(rest[Math.floor(rest.length / 2)] ?? times[0]!), runs });
  }
  return results;
}
