// GraphiQL as a newcomer opens it, on a machine with no way out: a real `pressroom start`, real Chromium with every request off this machine aborted, and every example operation
// run from GraphiQL's menu, the live one included, each showing real data.
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser } from '../support/browser.ts';
import { newFolder, pressroom, useCliProcesses, type CliProcess } from '../support/cli.ts';
import { waitFor } from '../support/wait.ts';

useCliProcesses();

let browser: Browser;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** Opens GraphiQL with every request that would leave this machine aborted and recorded. */
async function openGraphiql(url: string): Promise<{ page: Page; outside: string[] }> {
  const page = await browser.newPage();
  const outside: string[] = [];
  await page.route('**/*', (route) => {
    const target = new URL(route.request().url());
    if (LOOPBACK.has(target.hostname)) return route.continue();
    outside.push(target.href);
    return route.abort();
  });
  await page.goto(url);
  await page.waitForSelector('.graphiql-execute-button', { timeout: 60_000 });
  return { page, outside };
}

/** The answer pane's text (its editor draws spaces as no-break spaces). */
const answer = async (page: Page) => (await page.locator('.graphiql-response').innerText()).replaceAll('\u00a0', ' ');

/** Picks an operation in the run button's menu, as a user does, and waits for its answer to satisfy `check`. */
async function run(page: Page, operation: string, check: (text: string) => boolean): Promise<string> {
  const before = await answer(page);
  await page.click('.graphiql-execute-button');
  await page.getByRole('menuitem', { name: operation, exact: true }).click();
  return waitFor(
    async () => {
      // The pane shows the previous operation's answer until this one's arrives.
      const text = await answer(page);
      return text !== before && check(text) && text;
    },
    { what: `${operation}'s answer in GraphiQL`, timeoutMs: 60_000 },
  );
}

async function startPressroom(): Promise<{ server: CliProcess; url: string }> {
  const env = { PRESSROOM_DATA_DIR: path.join(await newFolder(), 'data'), PRESSROOM_PORT: '0' };
  // Without the demos, whose jobs would come and go: the test makes the jobs the examples point at.
  const server = pressroom(['start', '--no-demo'], env);
  await server.waitForOutput(/GraphiQL at http/);
  return { server, url: /GraphiQL at (http[^"\s]+)/.exec(server.output())![1]! };
}

async function enqueue(url: string, payload: Record<string, unknown>, pages: number): Promise<string> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      query: 'mutation E($input: EnqueueJobInput!) { enqueueJob(input: $input) { ... on EnqueueResult { job { runId } } } }',
      variables: { input: { kind: 'document.process', queue: 'documents', payload, items: Array.from({ length: pages }, (_, i) => `page-${i + 1}`) } },
    }),
  });
  return ((await response.json()) as { data: { enqueueJob: { job: { runId: string } } } }).data.enqueueJob.job.runId;
}

describe('GraphiQL', () => {
  // A process to start, a 9 MB page to load and eight operations to run on a shared machine.
  it('is served offline, and every example shows real data, the live one included', { timeout: 240_000 }, async () => {
    const { server, url } = await startPressroom();
    // A job that fails on its first run, as the demo's do now and then: FailedJobs and RetryJob show it.
    const failing = await enqueue(url, { title: 'proof', pageMs: 0, failOnce: true }, 2);
    await server.waitForOutput(/job failed: press proof/);
    // Then a slow one, the newest when GraphiQL opens: the examples point at it, and FollowJob sees it move.
    const runId = await enqueue(url, { title: 'browser', pageMs: 1_000 }, 60);

    const { page, outside } = await openGraphiql(url);
    expect(await page.title()).toBe('Pressroom');

    // Live, while the job runs: its state now, then its changes as they happen.
    const live = await run(page, 'FollowJob', (t) => t.includes(runId) && /"itemsProcessed": \d+/.test(t));
    expect(live).not.toContain('"errors"');
    const processed = (text: string) => Number(/"itemsProcessed": (\d+)/.exec(text)?.[1]);
    await waitFor(async () => processed(await answer(page)) > processed(live), { what: 'FollowJob showing more pages processed', timeoutMs: 60_000 });
    // The run button stops a live operation.
    await page.click('.graphiql-execute-button');

    expect(await run(page, 'FindJob', (t) => t.includes('"runId"'))).toContain(runId);
    // The newest ten: ours, or the schedules' housekeeping jobs that a busy start-up enqueued after it.
    expect(await run(page, 'RecentJobs', (t) => t.includes('"edges"'))).toMatch(/"runId": "[a-z-]+-\d{8}-[0-9A-Z]{10}"/);
    expect(await run(page, 'FailedJobs', (t) => t.includes('"edges"'))).toContain(failing);
    expect(await run(page, 'RetryJob', (t) => t.includes('"retryJob"'))).toContain(failing);
    expect(await run(page, 'JobHistory', (t) => t.includes('"history"'))).toMatch(/"operation": "\w+"/);
    expect(await run(page, 'Queues', (t) => t.includes('"queues"'))).toContain('"name": "documents"');
    expect(await run(page, 'ApiKeys', (t) => t.includes('"apiKeys"'))).toContain('"apiKeys": []');

    // Nothing was asked of the internet: no CDN, no fonts, no telemetry.
    expect(outside).toEqual([]);
    await page.close();
    expect(server.output()).not.toMatch(/"level":50/);
  });
});
