// How long the dashboard takes to show a page in Chromium: from navigation to the page's data
// on screen (the overview's queue rows; the jobs page's 50 rows and total count).
import type { Browser } from 'playwright-core';

export interface RenderTime {
  page: string;
  /** The first load of the run (cold caches in the API process), then the median of the rest. */
  firstMs: number;
  medianMs: number;
  runs: number;
}

const PAGES = [
  { page: 'overview', hash: '#/', ready: 'tr[data-queue=documents]' },
  { page: 'jobs', hash: '#/jobs', ready: 'table.jobs tbody tr:nth-child(50)' },
  { page: 'jobs, status failed', hash: '#/jobs?status=failed', ready: 'table.jobs tbody tr:nth-child(50)' },
  { page: 'jobs, payload text', hash: '#/jobs?payloadText=press-7', ready: 'table.jobs tbody tr:nth-child(50)' },
] as const;

export async function renderTimes(browser: Browser, origin: string, runs: number): Promise<RenderTime[]> {
  const results: RenderTime[] = [];
  for (const { page: name, hash, ready } of PAGES) {
    const times: number[] = [];
    for (let run = 0; run < runs; run++) {
      const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
      const page = await context.newPage();
      const started = performance.now();
      await page.goto(`${origin}/${hash}`);
      await page.locator(ready).waitFor({ timeout: 60_000 });
      if (name.startsWith('jobs')) await page.getByTestId('total').getByText(/\d jobs/).waitFor({ timeout: 60_000 });
      times.push(performance.now() - started);
      await context.close();
    }
    const rest = times.slice(1).sort((a, b) => a - b);
    results.push({ page: name, firstMs: Math.round(times[0]!), medianMs: Math.round(rest[Math.floor(rest.length / 2)] ?? times[0]!), runs });
  }
  return results;
}
