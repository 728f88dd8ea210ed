// What the dashboard reads through the public API: per-minute job metrics rolled up by the
// supervisor, counted pages of jobs and history, run-id prefix and payload text filters, and
// one shared overview that every open dashboard receives.
import { afterAll, describe, expect, it } from 'vitest';
import { claimJobs, completeRuns, enqueueJob, failRun, type Job } from '../src/services/index.ts';
import { runSupervisorTick, supervisorSettings } from '../src/services/engine/supervisor/index.ts';
import { rollupJobMetrics } from '../src/services/engine/metrics/rollup.ts';
import { countJobs } from '../src/services/engine/jobs/read.ts';
import { useTestDatabase } from './support/db.ts';
import { useLocalApi } from './support/localApi.ts';
import { subscribeWs, wsClient } from './support/subscriptions.ts';

const db = useTestDatabase();
const { server, gql } = useLocalApi(db);
const by = { actor: 'test' };
let counter = 0;
const unique = (prefix: string) => `${prefix}${++counter}${Date.now().toString(36)}`;

/** Enqueues jobs in `queue` and runs them as one worker: the first `failures` fail fatally, the rest complete. */
async function finishJobs(queue: string, count: number, failures: number): Promise<Job[]> {
  const ctx = db().services;
  for (let i = 0; i < count; i++) await enqueueJob(ctx, { kind: 'dash.metric', queue, payload: { i }, maxAttempts: 1, allowUnknownKind: true }, by);
  const claimed = (await claimJobs(ctx, { workerId: 'w-dash', queues: [queue], kinds: ['dash.metric'], limit: count, leaseMs: 30_000 })).jobs;
  expect(claimed).toHaveLength(count);
  for (const job of claimed.slice(0, failures)) {
    await failRun(ctx, { jobId: job.id, leaseToken: job.leaseToken!, workerId: 'w-dash', message: 'boom', errorClass: 'fatal' });
  }
  await completeRuns(ctx, 'w-dash', claimed.slice(failures).map((job) => ({ jobId: job.id, leaseToken: job.leaseToken!, result: null, metrics: {} })));
  return claimed;
}

const rollup = () =>
  runSupervisorTick(db().services, { holder: 'test-tick', trigger: 'manual', settings: supervisorSettings(db().services), tasks: [['rollupMetrics', rollupJobMetrics]] });

describe('job metrics', () => {
  it('counts the jobs that finished per minute, with wait and run time percentiles, once the supervisor rolled them up', async () => {
    const queue = unique('metrics-');
    await finishJobs(queue, 5, 2);
    const from = new Date(Date.now() - 10 * 60_000).toISOString();
    const before = await gql(`query($from: DateTime!, $queue: String) { jobMetrics(from: $from, queue: $queue) { completed } }`, { from, queue });
    expect(before.jobMetrics.reduce((sum: number, m: { completed: number }) => sum + m.completed, 0)).toBe(0);

    const tick = await rollup();
    expect(tick.results.rollupMetrics).toMatchObject({ ok: true });
    // Rolling up again recounts, it does not add.
    await rollup();
    const { jobMetrics } = await gql(
      `query($from: DateTime!, $queue: String) { jobMetrics(from: $from, queue: $queue) { at minutes completed failed runP50Ms waitP95Ms } }`,
      { from, queue },
    );
    expect(jobMetrics.length).toBeGreaterThanOrEqual(10);
    const total = (key: 'completed' | 'failed') => jobMetrics.reduce((sum: number, m: Record<string, number>) => sum + m[key]!, 0);
    expect(total('completed')).toBe(3);
    expect(total('failed')).toBe(2);
    const busy = jobMetrics.filter((m: { completed: number }) => m.completed > 0);
    expect(busy[0].runP50Ms).not.toBeNull();
    expect(busy[0].waitP95Ms).toBeGreaterThanOrEqual(0);

    const { overview } = await gql(`{ overview { queueMetrics { queue completed failed failedPerMinute } lastHour { completed } } }`);
    expect(overview.queueMetrics.find((m: { queue: string }) => m.queue === queue)).toMatchObject({ completed: 3, failed: 2 });
    expect(overview.lastHour).toHaveLength(60);
  });

  it('refuses a range of more points than a day by the minute, with a typed error', async () => {
    const response = await fetch(server().url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: `{ jobMetrics(from: "2020-01-01T00:00:00Z") { completed } }` }),
    });
    const body = (await response.json()) as { errors: { message: string; extensions: { code: string } }[] };
    expect(body.errors[0]!.extensions.code).toBe('INVALID_INPUT');
  });
});

describe('filters and counts', () => {
  it('finds jobs by run-id prefix and by payload text, literally, and counts every match', async () => {
    const ctx = db().services;
    const kind = unique('dash.find');
    const tag = unique('needle_');
    for (let i = 0; i < 7; i++) await enqueueJob(ctx, { kind, payload: { note: i < 3 ? `has ${tag} 100%` : 'other' }, allowUnknownKind: true }, by);
    const page = await gql(
      `query($f: JobFilter) { jobs(first: 2, filter: $f) { totalCount totalCountExact edges { node { runId } } pageInfo { hasNextPage } } }`,
      { f: { payloadText: tag.toUpperCase() } },
    );
    expect(page.jobs).toMatchObject({ totalCount: 3, totalCountExact: true, pageInfo: { hasNextPage: true } });
    // % and _ are characters to find, not wildcards.
    const literal = await gql(`query($f: JobFilter) { jobs(filter: $f) { totalCount } }`, { f: { payloadText: `${tag} 100%` } });
    expect(literal.jobs.totalCount).toBe(3);
    const wildcard = await gql(`query($f: JobFilter) { jobs(filter: $f) { totalCount } }`, { f: { kind, payloadText: '%' } });
    expect(wildcard.jobs.totalCount).toBe(3);

    // Run ids are <kind>-<date>-<random>: the part before the random one names all seven.
    const runId: string = page.jobs.edges[0].node.runId;
    const prefix = await gql(`query($f: JobFilter) { jobs(filter: $f) { totalCount } }`, { f: { runIdPrefix: runId.slice(0, runId.lastIndexOf('-')) } });
    expect(prefix.jobs.totalCount).toBe(7);
    const one = await gql(`query($f: JobFilter) { jobs(filter: $f) { totalCount } }`, { f: { runIdPrefix: runId } });
    expect(one.jobs.totalCount).toBe(1);
  });

  it('tests payload text on at most the cap of jobs, newest first, and then gives a lower bound', async () => {
    const ctx = db().services;
    const kind = unique('dash.capped');
    const tag = unique('needle_');
    // The three oldest of seven carry the text.
    for (let i = 0; i < 7; i++) await enqueueJob(ctx, { kind, payload: { note: i < 3 ? tag : 'other' }, allowUnknownKind: true }, by);
    expect(await countJobs(ctx.db, { kind, payloadText: tag }, 10)).toEqual({ count: 3, exact: true });
    // A cap of 4 tests the five newest (one more than the cap says whether more follow): one of them matches.
    expect(await countJobs(ctx.db, { kind, payloadText: tag }, 4)).toEqual({ count: 1, exact: false });
    expect(await countJobs(ctx.db, { kind, payloadText: tag }, 6)).toEqual({ count: 3, exact: false });
    // Every tested job matching: the cap, as without payload text.
    expect(await countJobs(ctx.db, { kind, payloadText: 'note' }, 4)).toEqual({ count: 4, exact: false });
    expect(await countJobs(ctx.db, { kind }, 4)).toEqual({ count: 4, exact: false });
  });

  it('counts history entries matching a filter', async () => {
    const kind = unique('dash.hist');
    const { job } = await enqueueJob(db().services, { kind, allowUnknownKind: true }, { actor: 'auditor-1' });
    const { history } = await gql(`query($f: HistoryFilter) { history(filter: $f, first: 1) { totalCount totalCountExact edges { node { operation actor } } } }`, {
      f: { targetType: 'job', targetId: String(job.id) },
    });
    expect(history).toMatchObject({ totalCount: 1, totalCountExact: true, edges: [{ node: { operation: 'enqueue', actor: 'auditor-1' } }] });
  });

  it('refuses a payload text longer than 200 characters', async () => {
    const response = await fetch(server().url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: `query($f: JobFilter) { jobs(filter: $f) { totalCount } }`, variables: { f: { payloadText: 'x'.repeat(201) } } }),
    });
    const body = (await response.json()) as { errors: { extensions: { code: string } }[] };
    expect(body.errors[0]!.extensions.code).toBe('INVALID_INPUT');
  });
});

describe('the shared overview', () => {
  const clients: ReturnType<typeof wsClient>[] = [];
  afterAll(async () => {
    for (const client of clients) await client.dispose();
  });

  it('pushes one overview, read once, to every open dashboard, and again after a change', async () => {
    const queue = unique('overview-');
    const document = `subscription { overview { at queues { name stats { queued completed } } workers { id } governors { name } lastTicks { id } openAlerts { id } } }`;
    const subscriptions = Array.from({ length: 4 }, () => {
      const client = wsClient(server().url);
      clients.push(client);
      return subscribeWs(client, document);
    });
    const firsts = await Promise.all(subscriptions.map((s) => s.feed.nextData()));
    for (const first of firsts) expect(first.overview.queues).toBeInstanceOf(Array);

    await enqueueJob(db().services, { kind: 'dash.overview', queue, allowUnknownKind: true }, by);
    const seen = await Promise.all(
      subscriptions.map((s) => s.feed.until((data) => data.overview.queues.some((q: { name: string; stats: { queued: number } }) => q.name === queue && q.stats.queued === 1))),
    );
    // The same read reached every subscriber.
    expect(new Set(seen.map((data) => data.overview.at)).size).toBe(1);
    for (const s of subscriptions) s.stop();
  });
});

describe('the dashboard files', () => {
  const origin = () => server().url.replace(/\/graphql$/, '');

  it('serves the page at / never cached, with a Content-Security-Policy that allows this origin only', async () => {
    const response = await fetch(`${origin()}/`);
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-cache');
    const csp = response.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|https?:/);
    const html = await response.text();
    const asset = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    expect(asset).toBeDefined();

    const script = await fetch(`${origin()}${asset}`, { headers: { 'accept-encoding': 'gzip' } });
    expect(script.status).toBe(200);
    expect(script.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(script.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect((await script.text()).length).toBeGreaterThan(1000);
  });

  it('answers 404 for assets that do not exist or try to leave the folder, and GraphiQL stays at /graphql', async () => {
    for (const path of ['/assets/missing-abc123.js', '/assets/..%2f..%2fpackage.json', '/assets/../../package.json']) {
      const response = await fetch(`${origin()}${path}`);
      expect(response.status, path).toBe(404);
      expect(await response.text()).not.toContain('"name": "pressroom"');
    }
    const graphiql = await fetch(`${origin()}/graphql`, { headers: { accept: 'text/html' } });
    expect(await graphiql.text()).toContain('GraphiQL');
  });
});
