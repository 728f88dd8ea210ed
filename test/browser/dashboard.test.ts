// The dashboard in real Chromium against a real Pressroom process (API, worker, supervisor):
// what an operator does with it, page by page, each page checked by axe and photographed for
// docs/dashboard.md. The browser reaches Pressroom through a TCP proxy that can drop the line.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser } from '../support/browser.ts';
import { openDashboard, screenshot, seriousViolations, type DashboardPage } from '../support/dashboardPage.ts';
import { startPressroomServer, type PressroomServer } from '../support/pressroomServer.ts';
import { startTcpProxy, type TcpProxy } from '../support/tcpProxy.ts';
import { waitFor } from '../support/wait.ts';

let pressroom: PressroomServer;
let proxy: TcpProxy;
let browser: Browser;
let dashboard: DashboardPage;
const origin = () => `http://127.0.0.1:${proxy.port}`;

/** A GraphQL call straight to the server (not through the proxy), as the local admin or with a key. */
async function api(query: string, variables: Record<string, unknown> = {}, key?: string) {
  const response = await fetch(`${pressroom.origin}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: any; errors?: unknown[] };
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data;
}

async function enqueue(input: Record<string, unknown>) {
  const data = await api(`mutation($input: EnqueueJobInput!) { enqueueJob(input: $input) { ... on EnqueueResult { job { databaseId runId } } ... on Error { message } } }`, { input });
  return data.enqueueJob.job as { databaseId: number; runId: string };
}

const jobStatus = async (id: number) => (await api(`query($id: ID!) { job(id: $id) { status } }`, { id: String(id) })).job?.status as string | undefined;

async function expectAccessible(name: string) {
  expect(await seriousViolations(dashboard.page)).toEqual([]);
  expect(dashboard.problems).toEqual([]);
  await screenshot(dashboard.page, name);
}

/** Answers the reason dialog. */
async function confirmWithReason(reason: string) {
  const dialog = dashboard.page.getByRole('dialog');
  await dialog.getByLabel('Reason').fill(reason);
  await dialog.locator('button[type=submit]').click();
  await dialog.waitFor({ state: 'hidden' });
}

beforeAll(async () => {
  pressroom = await startPressroomServer();
  proxy = await startTcpProxy(pressroom.port);
  browser = await launchBrowser();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await proxy?.close();
  await pressroom?.dispose();
});

describe('the dashboard as the local admin (no API key on loopback)', () => {
  it('loads the overview: queues with live counts, workers, the supervisor, charts', async () => {
    await enqueue({ kind: 'test.noop', queue: 'documents' });
    dashboard = await openDashboard(browser, origin());
    const page = dashboard.page;
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
    await page.locator('[data-state=live]').waitFor();
    await page.locator('tr[data-queue=documents]').waitFor();
    await page.getByText(/Held by supervisor-/).waitFor();
    expect(await page.locator('figure.chart').count()).toBe(2);
    await expectAccessible('overview');
    // Each worker's kinds, folded (a worker may handle dozens).
    const workers = page.getByRole('table', { name: 'Workers' });
    await workers.getByText(/^\d+ kinds$/).click();
    await workers.getByText(/test\.noop/).waitFor();
  });

  it('shows a job go from queued to completed, live', async () => {
    const page = dashboard.page;
    await page.goto(`${origin()}/#/jobs?kind=test.steps`);
    await page.getByRole('heading', { name: 'Jobs', exact: true }).waitFor();
    await page.getByText('live', { exact: false }).first().waitFor();
    const job = await enqueue({ kind: 'test.steps', queue: 'live', payload: { steps: 4, ms: 150 }, delayMs: 1_500 });
    const row = page.locator(`tr[data-run-id="${job.runId}"]`);
    await row.and(page.locator('[data-status=queued]')).waitFor({ timeout: 20_000 });
    await row.and(page.locator('[data-status=completed]')).waitFor({ timeout: 30_000 });
    expect(await row.getByText('100%').count()).toBe(1);
  });

  it('retries a failed job with a reason, and the history shows who did it and why', async () => {
    const job = await enqueue({ kind: 'test.fail', queue: 'failing', payload: { errorClass: 'fatal' }, maxAttempts: 1 });
    await waitFor(async () => (await jobStatus(job.databaseId)) === 'failed', { what: 'the job to fail' });
    const page = dashboard.page;
    await page.goto(`${origin()}/#/jobs/${job.databaseId}`);
    await page.getByRole('heading', { name: new RegExp(job.runId) }).waitFor();
    await page.getByText('misconfigured: no API key').first().waitFor();
    await expectAccessible('job');
    await page.getByRole('button', { name: 'Retry' }).click();
    await confirmWithReason('the customer fixed the key');
    const entry = page.locator('.timeline li[data-operation=retry]');
    await entry.waitFor();
    expect(await entry.textContent()).toContain('the customer fixed the key');
    expect(await entry.textContent()).toContain('by local');

    await page.goto(`${origin()}/#/audit?operation=retry&targetId=${job.databaseId}`);
    const audit = page.locator('tr[data-operation=retry]');
    await audit.waitFor();
    expect(await audit.textContent()).toContain('the customer fixed the key');
    await expectAccessible('audit');
  });

  it('pauses a lane with a reason', async () => {
    await enqueue({ kind: 'test.noop', queue: 'lane-a', delayMs: 600_000 });
    const page = dashboard.page;
    await page.goto(`${origin()}/#/queues`);
    await page.getByRole('button', { name: 'Pause lane-a' }).click();
    await confirmWithReason('printer maintenance');
    await page.locator('tr[data-queue=lane-a]').getByText('printer maintenance').waitFor();
    const { queues } = await api(`{ queues { name paused pausedReason pausedBy } }`);
    expect(queues.find((q: { name: string }) => q.name === 'lane-a')).toMatchObject({ paused: true, pausedReason: 'printer maintenance', pausedBy: 'local' });
    await expectAccessible('queues');
  });

  it('shows the print pipeline, requests a print cycle, and guards clear-all behind typed words', async () => {
    const page = dashboard.page;
    await page.goto(`${origin()}/#/print`);
    await page.getByRole('heading', { name: 'Print pipeline' }).waitFor();
    await page.locator('tr[data-lane=production]').waitFor();
    await page.getByText(/^Idle|^Printing/).first().waitFor();
    await expectAccessible('print');
    await page.getByRole('button', { name: 'Request a print cycle' }).click();
    await confirmWithReason('paper restocked');
    await page.getByText('Print cycle requested.').waitFor();
    await page.getByRole('button', { name: 'Clear all export tables…' }).click();
    // The most destructive tool wants the words typed, not just a click.
    expect(await page.getByRole('dialog').locator('button[type=submit]').isDisabled()).toBe(true);
    await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();
  });

  it('finds a production job, shows its operations, and marks print done live when the press reports it', async () => {
    const reference = await api(`mutation($input: TrackingReferenceInput!) { upsertTrackingReference(input: $input, reason: "new order") { __typename } }`, {
      input: {
        operations: [{ operationId: 'op003', name: 'coating', sequenceOrder: 3 }],
        productionJobs: [{ jobId: '4604_5889', versionTag: 'v1', name: 'wine labels' }],
        jobOperations: [{ jobId: '4604_5889', operationId: 'print' }, { jobId: '4604_5889', operationId: 'op003' }],
        impositions: [{ impositionId: 'IMP-77', fileIds: ['FILE_1_Labex_4604_5889_10'], operationIds: ['print', 'op003'] }],
      },
    });
    expect(reference.upsertTrackingReference.__typename).not.toMatch(/Error/);
    const page = dashboard.page;
    await page.goto(`${origin()}/#/tracking`);
    await page.getByRole('textbox', { name: /Production job id/ }).fill('4604_5889');
    await page.getByRole('button', { name: 'Find' }).click();
    const print = page.locator('tr[data-operation=print]');
    await print.getByText('not yet').waitFor();
    await page.locator('tr[data-source=PRINT_OS]').waitFor();

    await api(`mutation($events: [PrintOsEventInput!]!) { recordPrintOsEvents(events: $events) { __typename } }`, {
      events: [{ device: 'press-1', marker: 1, impositionId: 'IMP-77', status: 'PRINTED', completeTime: new Date().toISOString(), copies: 100 }],
    });
    await api(`mutation { processStatusUpdates { __typename } }`);
    await print.getByText('completed').waitFor();
    expect(page.url()).toContain('job=4604_5889');
    await expectAccessible('tracking');
  });

  it('cancels every job matching a filter, after showing how many and asking for a reason', async () => {
    const jobs = [];
    for (let i = 0; i < 5; i++) jobs.push(await enqueue({ kind: 'test.noop', queue: 'bulk', delayMs: 600_000 }));
    const page = dashboard.page;
    await page.goto(`${origin()}/#/jobs?queue=bulk`);
    await page.getByTestId('total').getByText('5 jobs').waitFor();
    await expectAccessible('jobs');
    await page.getByRole('button', { name: 'Cancel all matching…' }).click();
    const dialog = page.getByRole('dialog');
    expect(await dialog.textContent()).toContain('5 jobs match the filter');
    await confirmWithReason('duplicate order');
    await page.getByText('Cancel: 5 changed, 0 skipped of 5 matched.').waitFor();
    for (const job of jobs) expect(await jobStatus(job.databaseId)).toBe('cancelled');
  });

  it('shows when live updates stopped, and resumes with a fresh snapshot', async () => {
    const page = dashboard.page;
    await page.goto(`${origin()}/#/`);
    await page.locator('[data-state=live]').waitFor();
    await page.locator('tr[data-queue=documents]').waitFor();
    proxy.cut();
    await page.locator('[data-state=down]').getByText(/Live updates stopped/).waitFor();
    // The last overview stays on screen, under the indicator.
    expect(await page.locator('tr[data-queue=documents]').count()).toBe(1);
    await screenshot(page, 'connection-lost');
    // Changed while the dashboard could not hear it: the snapshot after reconnecting shows it.
    await enqueue({ kind: 'test.noop', queue: 'after-the-drop', delayMs: 600_000 });
    await proxy.restore();
    await page.locator('[data-state=live]').waitFor({ timeout: 30_000 });
    await page.locator('tr[data-queue=after-the-drop]').waitFor();
    expect(dashboard.problems).toEqual([]);
  });

  it('falls back to Server-Sent Events when no WebSocket gets through, and stays live', async () => {
    const blocked = await openDashboard(browser, origin(), '#/', { webSockets: false });
    try {
      const page = blocked.page;
      await page.locator('[data-state=live]').getByText('Live (SSE)').waitFor({ timeout: 30_000 });
      await page.locator('tr[data-queue=print]').waitFor();
      // A change after the page loaded arrives over the event stream.
      await enqueue({ kind: 'test.noop', queue: 'over-sse', delayMs: 600_000 });
      await page.locator('tr[data-queue=over-sse]').waitFor({ timeout: 30_000 });
      expect(blocked.problems).toEqual([]);
    } finally {
      await blocked.context.close();
    }
  });
});

describe('with API keys', () => {
  let viewerKey: string;
  beforeAll(async () => {
    await dashboard?.context.close();
    // Keys are made with the CLI; the embedded database is one process's at a time.
    await pressroom.stop();
    viewerKey = /\n(\S+)\n?$/.exec(pressroom.cli(['keys', 'create', 'vera', '--role', 'viewer']))![1]!;
    await pressroom.start();
    proxy.retarget(pressroom.port);
  }, 120_000);

  it('asks for a key when loopback no longer acts as admin, and a viewer sees no action buttons', async () => {
    dashboard = await openDashboard(browser, origin(), '#/jobs?queue=bulk');
    const page = dashboard.page;
    await page.getByRole('heading', { name: 'Access' }).waitFor();
    await page.getByText('No valid key').waitFor();
    await page.getByRole('textbox', { name: /API key/ }).fill(viewerKey);
    await page.getByRole('button', { name: 'Use this key' }).click();
    await page.getByText('vera (viewer)').waitFor();

    await page.goto(`${origin()}/#/jobs?queue=bulk`);
    await page.getByTestId('total').getByText('5 jobs').waitFor();
    expect(await page.getByRole('checkbox', { name: /^Select/ }).count()).toBe(0);
    expect(await page.getByRole('toolbar').count()).toBe(0);

    const { jobs } = await api(`{ jobs(first: 1, filter: { queue: "bulk" }) { edges { node { databaseId } } } }`, {}, viewerKey);
    await page.goto(`${origin()}/#/jobs/${jobs.edges[0].node.databaseId}`);
    await page.getByText("Your key is a viewer's").waitFor();
    await page.goto(`${origin()}/#/queues`);
    await page.locator('tr[data-queue=lane-a]').waitFor();
    await page.goto(`${origin()}/#/`);
    await page.locator('tr[data-queue=documents]').waitFor();
    const pages = [
      ['#/queues', 'tr[data-queue=lane-a]'],
      ['#/', 'tr[data-queue=lane-a]'],
      ['#/print', 'tr[data-lane=production]'],
    ] as const;
    for (const [path, ready] of pages) {
      await page.goto(`${origin()}/${path}`);
      await page.locator(ready).waitFor();
      // Only buttons that change what is shown (chart range, drill-down, refresh) remain.
      expect(await page.locator('main button:not([aria-pressed]):not(.view)').count()).toBe(0);
    }
    await page.goto(`${origin()}/#/access`);
    await page.getByTestId('caller').getByText('viewer').first().waitFor();
    await expectAccessible('access');
  });
});
