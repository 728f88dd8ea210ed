// The GraphQL API over real HTTP: a real server on a free port, fetch, and this file's own database.
import { sql } from 'drizzle-orm';
import { Kind, parse } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveCaller } from '../src/api/auth.ts';
import { graphiqlExamples, renderExamples } from '../src/api/examples/index.ts';
import { startApiServer, type ApiServer } from '../src/api/server.ts';
import { query } from '../src/db/client.ts';
import { printAuthCases, printReadQueries, seedPrintReads } from './support/printAuthCases.ts';
import { createApiKey, revokeApiKey } from '../src/services/engine/apiKeys.ts';
import {
  cancelJob,
  configureQueue,
  enqueueJob,
  enqueueJobs,
  forceFailJob,
  getGovernor,
  getJob,
  pauseJob,
  pauseQueue,
  resumeJob,
  retryJob,
  tryAcquireGovernor,
  type EnqueueInput,
} from '../src/services/index.ts';
import { raiseAlert } from '../src/services/engine/alerts.ts';
import { createSchedule, pauseSchedule } from '../src/services/engine/schedules.ts';
import { useTestDatabase } from './support/db.ts';
import { waitFor } from './support/wait.ts';
import { startTestWorker } from './support/workers.ts';
import { upsertTrackingReference } from '../src/services/tracking/referenceData.ts';
import { requestTrackingRun } from '../src/services/tracking/runs.ts';

const db = useTestDatabase();

/** The actor of changes made directly through the services, to set tests up. */
const setup = { actor: 'test-setup', reason: 'api test setup' };

let api: ApiServer;
beforeAll(async () => {
  api = await startApiServer({ services: db().services, host: '127.0.0.1', port: 0, production: false });
});
afterAll(async () => {
  await api?.close();
});

// ---------------------------------------------------------------------------------------------
// Calling the API

type Role = 'viewer' | 'operator' | 'admin';
/** Who calls: a key of a role, no key at all, or a key that does not exist. */
type As = Role | 'none' | 'bad' | { token: string };

const KEY_NAMES: Record<Role, string> = { viewer: 'vera-viewer', operator: 'otto-operator', admin: 'ada-admin' };
const keys: Partial<Record<Role, string>> = {};

interface GraphQLError {
  message: string;
  path?: (string | number)[];
  extensions?: Record<string, unknown>;
}

interface GraphQLResponse {
  status: number;
  text: string;
  data?: any;
  errors?: GraphQLError[];
}

function authorization(as: As): Record<string, string> {
  if (as === 'none') return {};
  if (as === 'bad') return { authorization: 'Bearer prk_not-a-key-anyone-was-given' };
  if (typeof as === 'object') return { authorization: `Bearer ${as.token}` };
  const key = keys[as];
  if (!key) throw new Error(`no ${as} key yet: keys are created in the 'with API keys' block`);
  return { authorization: `Bearer ${key}` };
}

async function post(body: BodyInit, headers: Record<string, string> = {}): Promise<GraphQLResponse> {
  const response = await fetch(api.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json', ...headers },
    body,
    ...(body instanceof ReadableStream ? { duplex: 'half' } : {}),
  } as RequestInit);
  const text = await response.text();
  let parsed: { data?: unknown; errors?: GraphQLError[] } = {};
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON: the test looks at `text`
  }
  return { status: response.status, text, data: parsed.data, errors: parsed.errors };
}

function gql(document: string, variables: Record<string, unknown> = {}, as: As = 'admin', operationName?: string): Promise<GraphQLResponse> {
  return post(JSON.stringify({ query: document, variables, ...(operationName ? { operationName } : {}) }), authorization(as));
}

/**
 * The first result of a subscription over Server-Sent Events (as GraphiQL runs one over HTTP);
 * a request refused before it streams answers with plain JSON, returned as is.
 */
async function firstStreamed(document: string, variables: Record<string, unknown>, as: As, operationName?: string): Promise<{ data?: any; errors?: GraphQLError[] }> {
  const controller = new AbortController();
  const response = await fetch(api.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...authorization(as) },
    body: JSON.stringify({ query: document, variables, ...(operationName ? { operationName } : {}) }),
    signal: controller.signal,
  });
  try {
    if (!response.headers.get('content-type')?.startsWith('text/event-stream')) return JSON.parse(await response.text());
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`the stream ended before a result: ${text}`);
      text += decoder.decode(value, { stream: true });
      const event = text.split('\n\n').find((block) => /^event: next$/m.test(block) && /^data: /m.test(block));
      if (event) return JSON.parse(/^data: (.*)$/m.exec(event)![1]!);
    }
  } finally {
    controller.abort();
  }
}

/** The data of a response that must have no errors. */
async function ok(response: Promise<GraphQLResponse> | GraphQLResponse): Promise<any> {
  const result = await response;
  expect(result.errors, `unexpected errors: ${result.text}`).toBeUndefined();
  expect(result.status).toBe(200);
  return result.data;
}

let counter = 0;
/** A name no other test uses. */
const unique = (prefix: string) => `${prefix}-${++counter}`;

const enqueue = async (input: EnqueueInput) => (await enqueueJob(db().services, input, setup)).job;
/** A queue made on purpose (pauseQueue refuses a name no queue has). */
const newQueue = async (prefix: string) => {
  const name = unique(prefix);
  await configureQueue(db().services, { name }, setup);
  return name;
};
/** What a request without a live key gets: HTTP 401, a GraphQL error saying why, no data. */
const REQUIRED = 'an API key is required: send the header Authorization: Bearer <key> (in GraphiQL, in the Headers tab)';
const WRONG = 'your API key is wrong: no live key matches it (mistyped, or revoked); ask an admin for a key';
function expectUnauthenticated(response: GraphQLResponse, message: string) {
  expect(response.status, response.text).toBe(401);
  expect(response.errors).toEqual([{ message, extensions: { code: 'UNAUTHENTICATED' } }]);
  expect(response.data ?? null).toBeNull();
}
const globalId = (id: number) => Buffer.from(`Job:${id}`).toString('base64');

interface HistoryNode {
  id: string;
  at: string;
  actor: string;
  operation: string;
  targetType: string;
  targetId: string;
  before: any;
  after: any;
  reason: string | null;
}

const HISTORY_QUERY = /* GraphQL */ `
  query History($filter: HistoryFilter, $first: Int, $after: String) {
    history(first: $first, after: $after, filter: $filter) {
      edges { cursor node { id at actor operation targetType targetId before after reason } }
      pageInfo { hasNextPage hasPreviousPage endCursor }
    }
  }
`;

/** History entries through the API, newest first. */
async function historyOf(filter: Record<string, unknown>, first = 20, as: As = 'viewer'): Promise<HistoryNode[]> {
  const data = await ok(gql(HISTORY_QUERY, { filter, first }, as));
  return data.history.edges.map((edge: { node: HistoryNode }) => edge.node);
}

/** The newest history entry matching the filter. */
async function lastEntry(filter: Record<string, unknown>, as: As = 'viewer'): Promise<HistoryNode | undefined> {
  return (await historyOf(filter, 1, as))[0];
}

/** A digest of everything an operation may change (not the API keys, whose use is recorded). */
async function fingerprint(): Promise<string> {
  const [row] = await query<{ digest: string }>(
    db().services.db,
    sql`select md5(
          coalesce((select string_agg(j::text, '|' order by j.id) from jobs j), '') || '#' ||
          coalesce((select string_agg(i::text, '|' order by i.job_id, i.position) from job_items i), '') || '#' ||
          coalesce((select string_agg(q::text, '|' order by q.name) from queues q), '') || '#' ||
          coalesce((select string_agg(g::text, '|' order by g.name) from governors g), '') || '#' ||
          (select count(*)::text || ':' || coalesce(max(id), 0)::text from history) || '#' ||
          (select count(*)::text from tracking_pending)) as digest`,
  );
  return row!.digest;
}

/** Waits for the database clock to pass `moment` by a few milliseconds (timestamps reach the API in ms). */
async function databaseClockPast(moment: Date | string): Promise<void> {
  const after = new Date(new Date(moment).getTime() + 5).toISOString();
  await waitFor(
    async () => {
      const [row] = await query<{ past: boolean }>(db().services.db, sql`select clock_timestamp() > ${after}::timestamptz as past`);
      return row?.past;
    },
    { what: `the database clock to pass ${after}` },
  );
}

/**
 * Counts the SQL statements run while `work` runs, where every statement passes: the postgres.js
 * client's `unsafe` (server mode: `query()` and drizzle both call it), else `db.execute` (embedded).
 */
async function countStatements<T>(work: () => Promise<T>): Promise<{ result: T; statements: number }> {
  const database = db().services.db;
  const client = (database as unknown as { session: { client: Record<string, unknown> } }).session.client;
  const [target, method] = typeof client.unsafe === 'function' ? [client, 'unsafe'] : [database as unknown as Record<string, unknown>, 'execute'];
  const original = target[method] as (...args: unknown[]) => unknown;
  let statements = 0;
  target[method] = (...args: unknown[]) => {
    statements++;
    return original.apply(target, args);
  };
  try {
    const result = await work();
    return { result, statements };
  } finally {
    target[method] = original;
  }
}

const JOB_FIELDS = 'id databaseId runId kind queueName status attempts controlRequest finishedAt lastError { message class }';
const ERROR_FIELDS = '... on Error { code message }';
const JOB_RESULT = `__typename ... on Job { ${JOB_FIELDS} } ${ERROR_FIELDS}
  ... on InvalidTransitionError { jobId from operation }
  ... on NotFoundError { targetType targetId }
  ... on InvalidInputError { issues { path message } }`;

// Only a retry can meet a live job holding the dedupe key.
const jobMutation = (name: string) => /* GraphQL */ `
  mutation JobAction($id: ID!, $reason: String) { ${name}(id: $id, reason: $reason) {
    ${JOB_RESULT} ${name === 'retryJob' ? '... on DedupeConflictError { dedupeKey liveJobId }' : ''}
  } }
`;

// ---------------------------------------------------------------------------------------------

describe('with no API key configured', () => {
  it('serves a loopback client as the local admin, recorded as "local"', async () => {
    const data = await ok(gql('{ queues { name } }', {}, 'none'));
    expect(Array.isArray(data.queues)).toBe(true);
    const queue = await newQueue('q-local');
    const paused = await ok(gql('mutation P($name: String!) { pauseQueue(name: $name, reason: "local check") { __typename ... on Queue { pausedBy } } }', { name: queue }, 'none'));
    expect(paused.pauseQueue).toEqual({ __typename: 'Queue', pausedBy: 'local' });
    expect(await lastEntry({ targetType: 'queue', targetId: queue }, 'none')).toMatchObject({ actor: 'local', operation: 'pause', reason: 'local check' });
  });

  it('refuses a WebSocket opened by a page of another site; one from its own page or from no page (not a browser) opens', async () => {
    const { WebSocket } = await import('ws');
    const open = (origin?: string) =>
      new Promise<number>((resolve) => {
        const socket = new WebSocket(api.url.replace(/^http/, 'ws'), 'graphql-transport-ws', origin ? { headers: { origin } } : {});
        socket.once('open', () => {
          socket.close();
          resolve(101);
        });
        socket.once('unexpected-response', (_request, response) => resolve(response.statusCode ?? 0));
        socket.once('error', () => resolve(0));
      });
    expect(await open('http://evil.example')).toBe(401);
    expect(await open(new URL(api.url).origin)).toBe(101);
    expect(await open()).toBe(101);
  });

  it('serves no one else: a client off this machine is anonymous', async () => {
    expect(await resolveCaller(db().services.db, null, '10.1.2.3')).toEqual({ name: 'anonymous', role: null });
    expect(await resolveCaller(db().services.db, null, '::ffff:127.0.0.1')).toEqual({ name: 'local', role: 'admin' });
  });
});

describe('with API keys', () => {
  beforeAll(async () => {
    for (const role of ['viewer', 'operator', 'admin'] as const) {
      keys[role] = (await createApiKey(db().services, { name: KEY_NAMES[role], role }, setup)).key;
    }
  });

  describe('queries', () => {
    it('finds a job by global id, numeric id and run id, and returns null for an unknown one', async () => {
      const job = await enqueue({ kind: 'api.find', queue: 'q-find', payload: { title: 'flyer' }, items: ['p1', 'p2'] });
      const FIND = `query Find($id: ID!) { job(id: $id) { id databaseId runId kind queueName status payload itemsTotal createdBy } }`;
      const expected = {
        id: globalId(job.id),
        databaseId: job.id,
        runId: job.runId,
        kind: 'api.find',
        queueName: 'q-find',
        status: 'queued',
        payload: { title: 'flyer' },
        itemsTotal: 2,
        createdBy: 'test-setup',
      };
      for (const id of [globalId(job.id), String(job.id), job.runId]) {
        expect((await ok(gql(FIND, { id }, 'viewer'))).job).toEqual(expected);
      }
      for (const id of ['987654321', '99999999999999999999', globalId(987654321), 'api-find-20260101-NOTAJOB000', 'anything at all']) {
        expect((await ok(gql(FIND, { id }, 'viewer'))).job, `job(id: ${id})`).toBeNull();
      }
    });

    it('filters jobs by status, kind, queue, stage, creation time and run id', async () => {
      const { services, database } = db();
      const queue = unique('q-filter');
      const first = await enqueue({ kind: 'api.filter.a', queue });
      await databaseClockPast(first.createdAt);
      const second = await enqueue({ kind: 'api.filter.b', queue });
      await cancelJob(services, second.id, setup);
      // A job a worker ran: it ends in its last stage, which the stage filter reads.
      const worker = await startTestWorker(services, database, { queues: [queue] });
      const staged = await enqueue({ kind: 'test.steps', queue, payload: { steps: 2, ms: 1 } });
      try {
        await waitFor(async () => (await getJob(services.db, staged.id)).status === 'completed', { what: 'the steps job to complete' });
      } finally {
        await worker.stop();
      }

      const JOBS = `query Jobs($filter: JobFilter) { jobs(first: 50, filter: $filter) { edges { node { databaseId } } } }`;
      const idsFor = async (filter: Record<string, unknown>) =>
        (await ok(gql(JOBS, { filter: { queue, ...filter } }, 'viewer'))).jobs.edges.map((e: { node: { databaseId: number } }) => e.node.databaseId);

      expect(await idsFor({})).toEqual([staged.id, second.id, first.id]);
      expect(await idsFor({ status: ['queued'] })).toEqual([first.id]);
      expect(await idsFor({ status: ['cancelled', 'completed'] })).toEqual([staged.id, second.id]);
      expect(await idsFor({ kind: 'api.filter.b' })).toEqual([second.id]);
      expect(await idsFor({ stage: 'step-2' })).toEqual([staged.id]);
      expect(await idsFor({ stage: 'no-such-stage' })).toEqual([]);
      expect(await idsFor({ createdBefore: second.createdAt.toISOString() })).toEqual([first.id]);
      expect(await idsFor({ createdAfter: second.createdAt.toISOString() })).toEqual([staged.id, second.id]);
      expect(await idsFor({ runId: first.runId })).toEqual([first.id]);
      expect(await idsFor({ runId: first.runId, status: ['cancelled'] })).toEqual([]);
      // The queue filter alone (the helper always sets it) keeps out every other queue's jobs.
      const other = await enqueue({ kind: 'api.filter.a', queue: unique('q-filter-other') });
      expect(await idsFor({ kind: 'api.filter.a' })).toEqual([first.id]);
      expect(await idsFor({ queue: other.queue })).toEqual([other.id]);
    });

    it('pages through jobs with keyset cursors: no duplicates or gaps while jobs are enqueued between pages', async () => {
      const { services } = db();
      const queue = unique('q-pages');
      const initial = await enqueueJobs(services, Array.from({ length: 23 }, (_, i) => ({ kind: 'api.page', queue, payload: { i } })), setup);
      const expected = initial.map((r) => r.job.id).sort((a, b) => b - a);
      const PAGE = `query Page($after: String, $queue: String) {
        jobs(first: 5, after: $after, filter: { queue: $queue }) {
          edges { cursor node { databaseId } }
          pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
        }
      }`;
      const seen: number[] = [];
      const added: number[] = [];
      let after: string | null = null;
      let pages = 0;
      for (;;) {
        const { jobs } = await ok(gql(PAGE, { after, queue }, 'viewer'));
        pages++;
        seen.push(...jobs.edges.map((e: { node: { databaseId: number } }) => e.node.databaseId));
        expect(jobs.pageInfo.hasPreviousPage).toBe(after !== null);
        expect(jobs.pageInfo.startCursor).toBe(jobs.edges[0].cursor);
        expect(jobs.pageInfo.endCursor).toBe(jobs.edges.at(-1).cursor);
        // Newer jobs arrive while the operator pages: they sort before the first page.
        added.push(...(await enqueueJobs(services, [{ kind: 'api.page', queue }, { kind: 'api.page', queue }], setup)).map((r) => r.job.id));
        if (!jobs.pageInfo.hasNextPage) break;
        after = jobs.pageInfo.endCursor;
        expect(pages).toBeLessThan(10);
      }
      expect(pages).toBe(5);
      expect(seen).toEqual(expected);
      // A fresh first page starts with the jobs added meanwhile, newest first.
      const { jobs } = await ok(gql(PAGE, { after: null, queue }, 'viewer'));
      expect(jobs.edges.map((e: { node: { databaseId: number } }) => e.node.databaseId)).toEqual(added.sort((a, b) => b - a).slice(0, 5));
    });

    it('refuses a bad page request with a clear error', async () => {
      const tooMany = await gql('{ jobs(first: 201) { edges { node { id } } } }', {}, 'viewer');
      expect(tooMany.errors?.[0]).toMatchObject({ message: expect.stringContaining('first: must be 0 to 200'), extensions: { code: 'INVALID_INPUT' } });
      const badCursor = await gql('{ jobs(first: 1, after: "not-a-cursor") { edges { node { id } } } }', {}, 'viewer');
      expect(badCursor.errors?.[0]).toMatchObject({ message: expect.stringContaining('not a cursor'), extensions: { code: 'INVALID_INPUT' } });
      const backwards = await gql('{ history(last: 5) { edges { node { id } } } }', {}, 'viewer');
      expect(backwards.errors?.[0]?.message).toContain('page forward with first/after');
    });

    it('pages through a job’s items and history', async () => {
      const { services } = db();
      const job = await enqueue({ kind: 'api.items', queue: 'q-items', items: ['a', 'b', 'c', 'd', 'e', 'f', 'g'] });
      await pauseJob(services, job.id, { actor: 'op-1', reason: 'paper jam' });
      await resumeJob(services, job.id, { actor: 'op-2', reason: 'fixed' });
      await cancelJob(services, job.id, { actor: 'op-3', reason: 'customer called' });
      await retryJob(services, job.id, { actor: 'op-4', reason: 'customer called back' });

      const ITEMS = `query Items($id: ID!, $after: String) { job(id: $id) { items(first: 3, after: $after) {
        edges { cursor node { position key status payload error processedAt } } pageInfo { hasNextPage hasPreviousPage endCursor } } } }`;
      const keysSeen: string[] = [];
      let after: string | null = null;
      for (let page = 0; ; page++) {
        const { job: found } = await ok(gql(ITEMS, { id: job.runId, after }, 'viewer'));
        keysSeen.push(...found.items.edges.map((e: { node: { key: string } }) => e.node.key));
        expect(found.items.edges.every((e: { node: { status: string } }) => e.node.status === 'pending')).toBe(true);
        if (!found.items.pageInfo.hasNextPage) break;
        after = found.items.pageInfo.endCursor;
        expect(page).toBeLessThan(5);
      }
      expect(keysSeen).toEqual(['a', 'b', 'c', 'd', 'e', 'f', 'g']);

      const HISTORY = `query JobHistory($id: ID!, $after: String) { job(id: $id) { history(first: 2, after: $after) {
        edges { node { actor operation reason before after targetType targetId } } pageInfo { hasNextPage endCursor } } } }`;
      const entries: { actor: string; operation: string; reason: string | null; targetId: string }[] = [];
      after = null;
      for (let page = 0; ; page++) {
        const { job: found } = await ok(gql(HISTORY, { id: String(job.id), after }, 'viewer'));
        entries.push(...found.history.edges.map((e: { node: never }) => e.node));
        if (!found.history.pageInfo.hasNextPage) break;
        after = found.history.pageInfo.endCursor;
        expect(page).toBeLessThan(5);
      }
      expect(entries.map((e) => [e.operation, e.actor, e.reason])).toEqual([
        ['retry', 'op-4', 'customer called back'],
        ['cancel', 'op-3', 'customer called'],
        ['resume', 'op-2', 'fixed'],
        ['pause', 'op-1', 'paper jam'],
        ['enqueue', 'test-setup', 'api test setup'],
      ]);
      expect(entries.every((e) => e.targetId === String(job.id))).toBe(true);
    });

    it('lists queues with live stats', async () => {
      const { services } = db();
      const queue = unique('q-stats');
      const jobs = await enqueueJobs(services, Array.from({ length: 4 }, () => ({ kind: 'api.stats', queue })), setup);
      await cancelJob(services, jobs[0]!.job.id, setup);
      await pauseJob(services, jobs[1]!.job.id, setup);
      await forceFailJob(services, jobs[2]!.job.id, setup);
      await pauseQueue(services, queue, { actor: 'ops', reason: 'toner low' });
      const { queues } = await ok(
        gql('{ queues { name paused pausedBy pausedReason pausedAt concurrency priority stats { queued running paused completed failed cancelled oldestWaitingSeconds } } }', {}, 'viewer'),
      );
      const found = queues.find((q: { name: string }) => q.name === queue);
      expect(found).toMatchObject({
        paused: true,
        pausedBy: 'ops',
        pausedReason: 'toner low',
        concurrency: null,
        priority: 0,
        stats: { queued: 1, running: 0, paused: 1, completed: 0, failed: 1, cancelled: 1 },
      });
      expect(found.stats.oldestWaitingSeconds).toBeGreaterThanOrEqual(0);
      expect(new Date(found.pausedAt).getTime()).not.toBeNaN();
      // Sorted by name.
      const names = queues.map((q: { name: string }) => q.name);
      expect(names).toEqual([...names].sort());
    });

    it('lists governors', async () => {
      const name = unique('g-list');
      await tryAcquireGovernor(db().services, name, 'nightly-report', { leaseMs: 60_000 });
      const { governors } = await ok(gql('{ governors { name holder holderJobId acquiredAt leaseExpiresAt pending lastScheduledAt } }', {}, 'viewer'));
      const found = governors.find((g: { name: string }) => g.name === name);
      expect(found).toMatchObject({ holder: 'nightly-report', holderJobId: null, pending: false });
      expect(new Date(found.leaseExpiresAt).getTime()).toBeGreaterThan(Date.now());
    });

    it('lists workers, reads a job a worker ran (items, history), and shows a running job’s lease', async () => {
      const { services, database } = db();
      const queue = unique('q-worker');
      const WORKERS = 'query W($all: Boolean) { workers(includeStopped: $all) { id host pid queues concurrency status startedAt lastSeenAt stoppedAt } }';
      const worker = await startTestWorker(services, database, { queues: [queue], concurrency: 2 });
      const workerId = worker.id;
      try {
        const { workers } = await ok(gql(WORKERS, {}, 'viewer'));
        expect(workers.find((w: { id: string }) => w.id === worker.id)).toMatchObject({ queues: [queue], concurrency: 2, status: 'running', pid: process.pid, stoppedAt: null });

        const itemsJob = await enqueue({ kind: 'test.items', queue, items: ['a', 'bad-b', 'c'] });
        await waitFor(async () => (await getJob(services.db, itemsJob.id)).status === 'completed', { what: 'the items job to complete' });
        const { job } = await ok(
          gql(
            `query J($id: ID!) { job(id: $id) { status itemsTotal itemsProcessed itemsFailed startedAt finishedAt
              items(first: 10) { edges { node { key status error processedAt } } }
              history(first: 10) { edges { node { operation actor } } } } }`,
            { id: itemsJob.runId },
            'viewer',
          ),
        );
        expect(job).toMatchObject({ status: 'completed', itemsTotal: 3, itemsProcessed: 2, itemsFailed: 1 });
        expect(job.items.edges.map((e: { node: unknown }) => e.node)).toEqual([
          { key: 'a', status: 'processed', error: null, processedAt: expect.any(String) },
          { key: 'bad-b', status: 'failed', error: 'cannot process bad-b', processedAt: expect.any(String) },
          { key: 'c', status: 'processed', error: null, processedAt: expect.any(String) },
        ]);
        expect(job.history.edges.map((e: { node: { operation: string; actor: string } }) => [e.node.operation, e.node.actor])).toEqual([
          ['complete', worker.id],
          ['itemFailed', worker.id],
          ['claim', worker.id],
          ['enqueue', 'test-setup'],
        ]);

        // A running job: its lease, and the operations a running job refuses or turns into requests.
        const held = await enqueue({ kind: 'test.hold', queue, payload: { ms: 60_000 } });
        await waitFor(() => worker.activeJobIds.includes(held.id), { what: 'the hold job to run' });
        const { job: running } = await ok(gql('query J($id: ID!) { job(id: $id) { status lease { workerId expiresAt heartbeatAt } } }', { id: held.id }, 'viewer'));
        expect(running).toMatchObject({ status: 'running', lease: { workerId: worker.id, expiresAt: expect.any(String) } });
        const deleted = await ok(gql(jobMutation('deleteJob'), { id: held.runId, reason: 'no' }, 'admin'));
        expect(deleted.deleteJob).toMatchObject({ __typename: 'InvalidTransitionError', code: 'INVALID_TRANSITION', jobId: String(held.id), from: 'running', operation: 'delete' });
        const paused = await ok(gql(jobMutation('pauseJob'), { id: held.runId, reason: 'lunch' }, 'operator'));
        expect(paused.pauseJob).toMatchObject({ __typename: 'Job', status: 'running', controlRequest: 'pause' });
        const failed = await ok(gql(jobMutation('forceFailJob'), { id: held.runId, reason: 'stuck on the press' }, 'operator'));
        expect(failed.forceFailJob).toMatchObject({ __typename: 'Job', status: 'failed', lastError: { message: 'stuck on the press', class: 'fatal' } });
        await waitFor(() => !worker.activeJobIds.includes(held.id), { what: 'the handler to be stopped' });
      } finally {
        await worker.stop();
      }
      const running = (await ok(gql(WORKERS, {}, 'viewer'))).workers.map((w: { id: string }) => w.id);
      expect(running).not.toContain(workerId);
      const all = (await ok(gql(WORKERS, { all: true }, 'viewer'))).workers;
      expect(all.find((w: { id: string }) => w.id === workerId)).toMatchObject({ status: 'stopped', stoppedAt: expect.any(String) });
    });

    it('reads the history with filters, and pages through it while entries are appended', async () => {
      const { services } = db();
      const queue = unique('q-history');
      const job = await enqueue({ kind: 'api.history', queue });
      await databaseClockPast(job.createdAt);
      await pauseJob(services, job.id, { actor: 'hist-ops', reason: 'r1' });
      await pauseQueue(services, queue, { actor: 'hist-ops', reason: 'r2' });
      const [paused] = await historyOf({ actor: 'hist-ops', operation: 'pause', targetType: 'job' });
      expect(paused).toMatchObject({ targetId: String(job.id), reason: 'r1', before: { status: 'queued' }, after: { status: 'paused' } });

      expect((await historyOf({ actor: 'hist-ops' })).map((e) => [e.targetType, e.operation])).toEqual([
        ['queue', 'pause'],
        ['job', 'pause'],
      ]);
      expect((await historyOf({ targetType: 'queue', targetId: queue })).map((e) => e.reason)).toEqual(['r2']);
      expect((await historyOf({ targetType: 'job', targetId: String(job.id) })).map((e) => e.operation)).toEqual(['pause', 'enqueue']);
      // from is inclusive, to exclusive.
      expect((await historyOf({ targetId: String(job.id), targetType: 'job', from: paused!.at })).map((e) => e.operation)).toEqual(['pause']);
      expect((await historyOf({ targetId: String(job.id), targetType: 'job', to: paused!.at })).map((e) => e.operation)).toEqual(['enqueue']);
      expect(await historyOf({ actor: 'nobody-at-all' })).toEqual([]);

      // Keyset pages: entries appended between pages come before the first page, never into a later one.
      const actor = unique('pager');
      for (let i = 0; i < 7; i++) {
        await configureQueue(services, { name: `${queue}-${i}` }, setup);
        await pauseQueue(services, `${queue}-${i}`, { actor, reason: `p${i}` });
      }
      const seen: string[] = [];
      let after: string | null = null;
      for (let page = 0; ; page++) {
        const { history } = await ok(gql(HISTORY_QUERY, { filter: { actor }, first: 3, after }, 'viewer'));
        seen.push(...history.edges.map((e: { node: HistoryNode }) => e.node.reason));
        await pauseQueue(services, await newQueue(`${queue}-late`), { actor, reason: 'late' });
        if (!history.pageInfo.hasNextPage) break;
        after = history.pageInfo.endCursor;
        expect(page).toBeLessThan(5);
      }
      expect(seen).toEqual(['p6', 'p5', 'p4', 'p3', 'p2', 'p1', 'p0']);
    });

    it('resolves node(id) for a Job, and nodes(ids)', async () => {
      const job = await enqueue({ kind: 'api.node', queue: 'q-node' });
      const { node } = await ok(gql('query N($id: ID!) { node(id: $id) { __typename id ... on Job { databaseId runId status } } }', { id: globalId(job.id) }, 'viewer'));
      expect(node).toEqual({ __typename: 'Job', id: globalId(job.id), databaseId: job.id, runId: job.runId, status: 'queued' });
      const { nodes } = await ok(gql('query N($ids: [ID!]!) { nodes(ids: $ids) { id ... on Job { runId } } }', { ids: [globalId(job.id), globalId(987654321)] }, 'viewer'));
      expect(nodes).toEqual([{ id: globalId(job.id), runId: job.runId }, null]);
    });
  });

  describe('mutations', () => {
    it('enqueueJob: enqueues with items and a dedupe key, and refuses bad input with the field path', async () => {
      const ENQUEUE = `mutation E($input: EnqueueJobInput!, $reason: String) { enqueueJob(input: $input, reason: $reason) {
        __typename ... on EnqueueResult { deduplicated job { ${JOB_FIELDS} priority payload itemsTotal createdBy runAt } }
        ... on InvalidInputError { code message issues { path message } } } }`;
      const input = { kind: 'document.render', queue: 'q-enqueue', payload: { pages: 12 }, priority: 5, items: ['p1', 'p2', 'p3'], dedupeKey: unique('render'), maxAttempts: 2 };
      const { enqueueJob: first } = await ok(gql(ENQUEUE, { input, reason: 'rush order' }, 'operator'));
      expect(first).toMatchObject({
        __typename: 'EnqueueResult',
        deduplicated: false,
        job: { kind: 'document.render', queueName: 'q-enqueue', status: 'queued', priority: 5, payload: { pages: 12 }, itemsTotal: 3, createdBy: KEY_NAMES.operator },
      });
      expect(first.job.runId).toMatch(/^document-render-\d{8}-[0-9A-Z]{10}$/);
      expect(await lastEntry({ targetType: 'job', targetId: String(first.job.databaseId) })).toMatchObject({
        actor: KEY_NAMES.operator,
        operation: 'enqueue',
        reason: 'rush order',
      });
      const { enqueueJob: again } = await ok(gql(ENQUEUE, { input, reason: 'double click' }, 'operator'));
      expect(again).toMatchObject({ deduplicated: true, job: { databaseId: first.job.databaseId } });

      const delayed = await ok(gql(ENQUEUE, { input: { kind: 'document.render', runAt: '2099-01-01T00:00:00.000Z' } }, 'operator'));
      expect(delayed.enqueueJob.job.runAt).toBe('2099-01-01T00:00:00.000Z');

      const before = await fingerprint();
      const bad = await ok(gql(ENQUEUE, { input: { kind: 'bad kind!', priority: 5000 } }, 'operator'));
      expect(bad.enqueueJob).toMatchObject({ __typename: 'InvalidInputError', code: 'INVALID_INPUT' });
      expect(bad.enqueueJob.issues.map((i: { path: string }) => i.path).sort()).toEqual(['kind', 'priority']);
      const both = await ok(gql(ENQUEUE, { input: { kind: 'ok', runAt: '2099-01-01T00:00:00Z', delayMs: 5 } }, 'operator'));
      expect(both.enqueueJob.issues).toEqual([{ path: 'delayMs', message: 'give runAt or delayMs, not both' }]);
      expect(await fingerprint()).toBe(before);
    });

    it('retryJob: retries a failed job; refuses a queued one, an unknown one, and one whose dedupe key is taken', async () => {
      const { services } = db();
      const job = await enqueue({ kind: 'api.retry', queue: 'q-retry' });
      await forceFailJob(services, job.id, setup);
      const retried = await ok(gql(jobMutation('retryJob'), { id: globalId(job.id), reason: 'printer back online' }, 'operator'));
      expect(retried.retryJob).toMatchObject({ __typename: 'Job', databaseId: job.id, status: 'queued', attempts: 0, finishedAt: null });
      expect(await lastEntry({ targetType: 'job', targetId: String(job.id) })).toMatchObject({
        actor: KEY_NAMES.operator,
        operation: 'retry',
        reason: 'printer back online',
        before: { status: 'failed' },
        after: { status: 'queued' },
      });

      const queued = await ok(gql(jobMutation('retryJob'), { id: job.runId }, 'operator'));
      expect(queued.retryJob).toEqual({
        __typename: 'InvalidTransitionError',
        code: 'INVALID_TRANSITION',
        message: `cannot retry job ${job.id}: it is queued`,
        jobId: String(job.id),
        from: 'queued',
        operation: 'retry',
      });
      const unknown = await ok(gql(jobMutation('retryJob'), { id: '987654321' }, 'operator'));
      expect(unknown.retryJob).toMatchObject({ __typename: 'NotFoundError', code: 'NOT_FOUND', targetType: 'job', targetId: '987654321' });
      const huge = await ok(gql(jobMutation('retryJob'), { id: '99999999999999999999' }, 'operator'));
      expect(huge.retryJob).toMatchObject({ __typename: 'NotFoundError', targetId: '99999999999999999999' });

      const dedupeKey = unique('monthly-report');
      const old = await enqueue({ kind: 'api.retry', queue: 'q-retry', dedupeKey });
      await cancelJob(services, old.id, setup);
      const live = await enqueue({ kind: 'api.retry', queue: 'q-retry', dedupeKey });
      const conflict = await ok(gql(jobMutation('retryJob'), { id: old.runId }, 'operator'));
      expect(conflict.retryJob).toMatchObject({ __typename: 'DedupeConflictError', code: 'DEDUPE_CONFLICT', dedupeKey, liveJobId: String(live.id) });
    });

    it('cancelJob, pauseJob, resumeJob, forceFailJob: change the job and record who and why; refuse what the status does not allow', async () => {
      const job = await enqueue({ kind: 'api.control', queue: 'q-control' });
      const steps: [string, string, Record<string, unknown>][] = [
        ['pauseJob', 'pause', { status: 'paused' }],
        ['resumeJob', 'resume', { status: 'queued' }],
        ['forceFailJob', 'forceFail', { status: 'failed', lastError: { message: 'reason for forceFailJob', class: 'fatal' } }],
      ];
      for (const [mutation, operation, expected] of steps) {
        const data = await ok(gql(jobMutation(mutation), { id: job.runId, reason: `reason for ${mutation}` }, 'operator'));
        expect(data[mutation]).toMatchObject({ __typename: 'Job', ...expected });
        expect(await lastEntry({ targetType: 'job', targetId: String(job.id) })).toMatchObject({ actor: KEY_NAMES.operator, operation, reason: `reason for ${mutation}` });
      }
      const other = await enqueue({ kind: 'api.control', queue: 'q-control' });
      const cancelled = await ok(gql(jobMutation('cancelJob'), { id: String(other.id), reason: 'wrong paper' }, 'operator'));
      expect(cancelled.cancelJob).toMatchObject({ __typename: 'Job', status: 'cancelled', finishedAt: expect.any(String) });
      expect(await lastEntry({ targetType: 'job', targetId: String(other.id) })).toMatchObject({ actor: KEY_NAMES.operator, operation: 'cancel', reason: 'wrong paper' });

      const refused: [string, string, string][] = [
        ['cancelJob', 'cancelled', 'cancel'],
        ['pauseJob', 'cancelled', 'pause'],
        ['resumeJob', 'cancelled', 'resume'],
        ['forceFailJob', 'cancelled', 'forceFail'],
      ];
      const before = await fingerprint();
      for (const [mutation, from, operation] of refused) {
        const data = await ok(gql(jobMutation(mutation), { id: other.runId }, 'operator'));
        expect(data[mutation], mutation).toMatchObject({ __typename: 'InvalidTransitionError', jobId: String(other.id), from, operation });
        const missing = await ok(gql(jobMutation(mutation), { id: 'api-control-20260101-MISSING000' }, 'operator'));
        expect(missing[mutation], mutation).toMatchObject({ __typename: 'NotFoundError', targetType: 'job', targetId: 'api-control-20260101-MISSING000' });
      }
      expect(await fingerprint()).toBe(before);
    });

    it('deleteJob: deletes a job that is not running; its history stays', async () => {
      const job = await enqueue({ kind: 'api.delete', queue: 'q-delete' });
      const data = await ok(gql(jobMutation('deleteJob'), { id: globalId(job.id), reason: 'duplicate order' }, 'admin'));
      expect(data.deleteJob).toMatchObject({ __typename: 'Job', databaseId: job.id, runId: job.runId });
      expect((await ok(gql('query J($id: ID!) { job(id: $id) { id } }', { id: job.runId }, 'viewer'))).job).toBeNull();
      expect(await lastEntry({ targetType: 'job', targetId: String(job.id) })).toMatchObject({
        actor: KEY_NAMES.admin,
        operation: 'delete',
        reason: 'duplicate order',
        before: { status: 'queued', runId: job.runId },
      });
      const again = await ok(gql(jobMutation('deleteJob'), { id: String(job.id) }, 'admin'));
      expect(again.deleteJob).toMatchObject({ __typename: 'NotFoundError', targetId: String(job.id) });
    });

    it('clearJobs: deletes finished jobs of one status, optionally older than a time', async () => {
      const { services } = db();
      const queue = unique('q-clear');
      const CLEAR = `mutation C($status: JobStatus!, $olderThan: DateTime, $queue: String, $reason: String) {
        clearJobs(status: $status, olderThan: $olderThan, queue: $queue, reason: $reason) {
          __typename ... on ClearResult { deleted } ... on InvalidInputError { code issues { path message } } } }`;
      const older = await cancelJob(services, (await enqueue({ kind: 'api.clear', queue })).id, setup);
      await databaseClockPast(older.finishedAt!);
      const newer = await cancelJob(services, (await enqueue({ kind: 'api.clear', queue })).id, setup);
      const live = await enqueue({ kind: 'api.clear', queue });

      const first = await ok(gql(CLEAR, { status: 'cancelled', olderThan: newer.finishedAt!.toISOString(), queue, reason: 'tidy up' }, 'admin'));
      expect(first.clearJobs).toEqual({ __typename: 'ClearResult', deleted: 1 });
      expect(await getJob(services.db, newer.id)).toMatchObject({ status: 'cancelled' });
      await expect(getJob(services.db, older.id)).rejects.toThrow('not found');
      expect(await lastEntry({ targetType: 'jobs', operation: 'clear' })).toMatchObject({
        actor: KEY_NAMES.admin,
        reason: 'tidy up',
        targetId: 'cancelled',
        after: { deleted: 1, status: 'cancelled', queue, olderThan: newer.finishedAt!.toISOString() },
      });

      const rest = await ok(gql(CLEAR, { status: 'cancelled', queue }, 'admin'));
      expect(rest.clearJobs).toEqual({ __typename: 'ClearResult', deleted: 1 });
      const none = await ok(gql(CLEAR, { status: 'failed', queue }, 'admin'));
      expect(none.clearJobs).toEqual({ __typename: 'ClearResult', deleted: 0 });

      const before = await fingerprint();
      const unfinished = await ok(gql(CLEAR, { status: 'queued', queue }, 'admin'));
      expect(unfinished.clearJobs).toMatchObject({ __typename: 'InvalidInputError', issues: [expect.objectContaining({ path: 'status' })] });
      expect(await fingerprint()).toBe(before);
      expect(await getJob(services.db, live.id)).toMatchObject({ status: 'queued' });
    });

    it('retryJobs, cancelJobs, deleteJobs: apply to every job matching the filter; an empty filter is refused', async () => {
      const { services } = db();
      const queue = unique('q-bulk');
      const BULK = (name: string) => `mutation B($filter: JobFilter!, $reason: String) { ${name}(filter: $filter, reason: $reason) {
        __typename ... on BulkResult { matched changed skipped } ... on InvalidInputError { code message issues { path message } } } }`;
      const dedupeKey = unique('bulk-key');
      const jobs = await enqueueJobs(services, Array.from({ length: 3 }, () => ({ kind: 'api.bulk', queue })), setup);
      const keyed = await enqueue({ kind: 'api.bulk', queue, dedupeKey });
      const other = await enqueue({ kind: 'api.bulk', queue: unique('q-bulk-other') });

      const cancelled = await ok(gql(BULK('cancelJobs'), { filter: { queue }, reason: 'bulk cancel' }, 'operator'));
      expect(cancelled.cancelJobs).toEqual({ __typename: 'BulkResult', matched: 4, changed: 4, skipped: 0 });
      expect(await getJob(services.db, other.id)).toMatchObject({ status: 'queued' });
      for (const { job } of jobs) {
        expect(await lastEntry({ targetType: 'job', targetId: String(job.id) })).toMatchObject({ actor: KEY_NAMES.operator, operation: 'cancel', reason: 'bulk cancel' });
      }

      // A live job took the dedupe key meanwhile: that one cannot be retried and is skipped.
      const taker = await enqueue({ kind: 'api.bulk', queue: unique('q-bulk-taker'), dedupeKey });
      const retried = await ok(gql(BULK('retryJobs'), { filter: { queue, status: ['cancelled', 'queued'] }, reason: 'bulk retry' }, 'operator'));
      expect(retried.retryJobs).toEqual({ __typename: 'BulkResult', matched: 4, changed: 3, skipped: 1 });
      expect(await getJob(services.db, keyed.id)).toMatchObject({ status: 'cancelled' });
      expect(await lastEntry({ targetType: 'job', targetId: String(jobs[0]!.job.id) })).toMatchObject({ actor: KEY_NAMES.operator, operation: 'retry', reason: 'bulk retry' });

      const deleted = await ok(gql(BULK('deleteJobs'), { filter: { queue, status: ['queued'] }, reason: 'bulk delete' }, 'admin'));
      expect(deleted.deleteJobs).toEqual({ __typename: 'BulkResult', matched: 3, changed: 3, skipped: 0 });
      expect(await lastEntry({ targetType: 'job', targetId: String(jobs[1]!.job.id) })).toMatchObject({ actor: KEY_NAMES.admin, operation: 'delete', reason: 'bulk delete' });
      expect(await getJob(services.db, taker.id)).toMatchObject({ status: 'queued' });

      const before = await fingerprint();
      for (const [name, as] of [['retryJobs', 'operator'], ['cancelJobs', 'operator'], ['deleteJobs', 'admin']] as const) {
        // No condition, or conditions that select nothing out (an empty status list, an empty queue name).
        for (const filter of [{}, { queue: null, status: null }, { status: [] }, { queue: '' }, { kind: '', status: [] }]) {
          const refused = await ok(gql(BULK(name), { filter }, as));
          expect(refused[name], name).toMatchObject({ __typename: 'InvalidInputError', code: 'INVALID_INPUT', issues: [expect.objectContaining({ path: 'filter' })] });
        }
      }
      expect(await fingerprint()).toBe(before);
    });

    it('pauseQueue, resumeQueue, configureQueue: change the queue and record who and why', async () => {
      const name = unique('q-lane');
      await configureQueue(db().services, { name }, setup);
      const QUEUE = 'name paused pausedBy pausedReason pausedAt concurrency priority';
      // Queues are made on purpose: a mistyped name is not found, and nothing is made.
      const typo = await ok(gql(`mutation P($name: String!) { pauseQueue(name: $name) { __typename ... on NotFoundError { targetType targetId } } }`, { name: unique('q-typo') }, 'operator'));
      expect(typo.pauseQueue).toMatchObject({ __typename: 'NotFoundError', targetType: 'queue' });
      expect((await ok(gql('{ queues { name } }', {}, 'operator'))).queues.map((q: { name: string }) => q.name)).not.toContain(typo.pauseQueue.targetId);
      const paused = await ok(gql(`mutation P($name: String!) { pauseQueue(name: $name, reason: "toner low") { __typename ... on Queue { ${QUEUE} } ${ERROR_FIELDS} } }`, { name }, 'operator'));
      expect(paused.pauseQueue).toMatchObject({ __typename: 'Queue', name, paused: true, pausedBy: KEY_NAMES.operator, pausedReason: 'toner low', pausedAt: expect.any(String) });
      expect(await lastEntry({ targetType: 'queue', targetId: name })).toMatchObject({ actor: KEY_NAMES.operator, operation: 'pause', reason: 'toner low' });

      const RESUME = `mutation R($name: String!, $reason: String) { resumeQueue(name: $name, reason: $reason) {
        __typename ... on Queue { ${QUEUE} } ... on NotFoundError { code targetType targetId } ${ERROR_FIELDS} } }`;
      const resumed = await ok(gql(RESUME, { name, reason: 'toner replaced' }, 'operator'));
      expect(resumed.resumeQueue).toMatchObject({ __typename: 'Queue', paused: false, pausedBy: null, pausedReason: null, pausedAt: null });
      expect(await lastEntry({ targetType: 'queue', targetId: name })).toMatchObject({ actor: KEY_NAMES.operator, operation: 'resume', reason: 'toner replaced' });
      const missing = await ok(gql(RESUME, { name: unique('q-never-made') }, 'operator'));
      expect(missing.resumeQueue).toMatchObject({ __typename: 'NotFoundError', targetType: 'queue' });

      const CONFIGURE = `mutation C($name: String!, $concurrency: Int, $clearConcurrency: Boolean, $priority: Int, $reason: String) {
        configureQueue(name: $name, concurrency: $concurrency, clearConcurrency: $clearConcurrency, priority: $priority, reason: $reason) {
          __typename ... on Queue { ${QUEUE} } ... on InvalidInputError { code issues { path message } } } }`;
      const configured = await ok(gql(CONFIGURE, { name, concurrency: 3, priority: 7, reason: 'one press only' }, 'admin'));
      expect(configured.configureQueue).toMatchObject({ __typename: 'Queue', concurrency: 3, priority: 7 });
      expect(await lastEntry({ targetType: 'queue', targetId: name })).toMatchObject({
        actor: KEY_NAMES.admin,
        operation: 'configure',
        reason: 'one press only',
        before: { concurrency: null, priority: 0 },
        after: { concurrency: 3, priority: 7 },
      });
      const lifted = await ok(gql(CONFIGURE, { name, clearConcurrency: true }, 'admin'));
      expect(lifted.configureQueue).toMatchObject({ concurrency: null, priority: 7 });

      const before = await fingerprint();
      const bad = await ok(gql(CONFIGURE, { name, concurrency: 0 }, 'admin'));
      expect(bad.configureQueue).toMatchObject({ __typename: 'InvalidInputError', issues: [expect.objectContaining({ path: 'concurrency' })] });
      const badName = await ok(gql(`mutation P($name: String!) { pauseQueue(name: $name) { __typename ... on InvalidInputError { issues { path } } } }`, { name: 'no spaces please' }, 'operator'));
      expect(badName.pauseQueue).toMatchObject({ __typename: 'InvalidInputError' });
      expect(await fingerprint()).toBe(before);
    });

    it('releaseGovernor, healGovernors, requestGovernorRun: recovery of governors, recorded with who and why', async () => {
      const { services } = db();
      const RELEASE = `mutation R($name: String!, $reason: String!) { releaseGovernor(name: $name, reason: $reason) {
        __typename ... on GovernorRelease { pending governor { name holder holderJobId leaseExpiresAt } } ... on NotFoundError { code targetType targetId } } }`;
      const stuck = unique('g-stuck');
      await tryAcquireGovernor(services, stuck, 'crashed-host:1234', { leaseMs: 600_000 });
      const released = await ok(gql(RELEASE, { name: stuck, reason: 'host crashed' }, 'operator'));
      expect(released.releaseGovernor).toEqual({ __typename: 'GovernorRelease', pending: false, governor: { name: stuck, holder: null, holderJobId: null, leaseExpiresAt: null } });
      expect(await lastEntry({ targetType: 'governor', targetId: stuck })).toMatchObject({
        actor: KEY_NAMES.operator,
        operation: 'forceRelease',
        reason: 'host crashed',
        before: { holder: 'crashed-host:1234' },
      });
      const missing = await ok(gql(RELEASE, { name: unique('g-missing'), reason: 'typo' }, 'operator'));
      expect(missing.releaseGovernor).toMatchObject({ __typename: 'NotFoundError', targetType: 'governor' });

      // A lease that ran out: healGovernors releases it.
      const expired = unique('g-expired');
      await tryAcquireGovernor(services, expired, 'gone-host:1', { leaseMs: 1 });
      await databaseClockPast((await getGovernor(services.db, expired)).leaseExpiresAt!);
      const HEAL = `mutation H($reason: String) { healGovernors(reason: $reason) { __typename ... on GovernorHeal { healed { name holder } } } }`;
      const healed = await ok(gql(HEAL, { reason: 'morning check' }, 'operator'));
      expect(healed.healGovernors.__typename).toBe('GovernorHeal');
      expect(healed.healGovernors.healed).toContainEqual({ name: expired, holder: null });
      expect(await lastEntry({ targetType: 'governor', targetId: expired })).toMatchObject({ actor: KEY_NAMES.operator, operation: 'heal', reason: 'morning check' });

      // A run asked for: enqueued at once when the governor is free, after its release when busy.
      const REQUEST = `mutation Q($name: String!, $kind: String!, $payload: JSON, $reason: String) {
        requestGovernorRun(name: $name, kind: $kind, queue: "q-governed", payload: $payload, reason: $reason) {
          __typename ... on GovernorRunRequest { pending job { databaseId kind queueName status payload createdBy } } ${ERROR_FIELDS} } }`;
      const free = unique('g-free');
      const now = await ok(gql(REQUEST, { name: free, kind: 'report.nightly', payload: { day: 1 }, reason: 'rerun' }, 'operator'));
      expect(now.requestGovernorRun).toMatchObject({
        __typename: 'GovernorRunRequest',
        pending: false,
        job: { kind: 'report.nightly', queueName: 'q-governed', status: 'queued', payload: { day: 1 }, createdBy: KEY_NAMES.operator },
      });
      expect((await getJob(services.db, now.requestGovernorRun.job.databaseId)).governorKey).toBe(free);
      expect(await lastEntry({ targetType: 'job', targetId: String(now.requestGovernorRun.job.databaseId) })).toMatchObject({ actor: KEY_NAMES.operator, operation: 'enqueue', reason: 'rerun' });

      const busy = unique('g-busy');
      await tryAcquireGovernor(services, busy, 'long-run', { leaseMs: 600_000 });
      const later = await ok(gql(REQUEST, { name: busy, kind: 'report.nightly', reason: 'after this one' }, 'operator'));
      expect(later.requestGovernorRun).toEqual({ __typename: 'GovernorRunRequest', pending: true, job: null });
      expect(await lastEntry({ targetType: 'governor', targetId: busy })).toMatchObject({ actor: KEY_NAMES.operator, operation: 'requestRun', reason: 'after this one' });
      const afterRelease = await ok(gql(RELEASE, { name: busy, reason: 'done by hand' }, 'operator'));
      expect(afterRelease.releaseGovernor).toMatchObject({ pending: true, governor: { holder: null } });
      const [pendingRun] = (await ok(gql('{ jobs(first: 5, filter: { kind: "report.nightly", queue: "q-governed" }) { edges { node { databaseId createdBy } } } }', {}, 'viewer'))).jobs.edges;
      expect(pendingRun.node.createdBy).toBe('governor');
      expect((await getJob(services.db, pendingRun.node.databaseId)).governorKey).toBe(busy);
    });
  });

  describe('authorisation', () => {
    /** neededRole: the role a refusal names, when it is not minRole (a device's ingest role, which operators and admins hold too). */
    type Expectation = { name: string; minRole: 'operator' | 'admin'; neededRole?: string; success: string; document: string; prepare: () => Promise<Record<string, unknown>> };
    /** A tracking run waiting already: the run each recorded batch asks for (after the response) joins it and changes nothing. */
    const trackingRunWaiting = async (source: 'print_os' | 'scanner') => void (await requestTrackingRun(db().services, source, setup));
    const result = (name: string, args: string) => `${name}(${args}) { __typename ... on Error { code message } }`;
    const jobIn = async (status: 'queued' | 'failed' | 'paused' | 'cancelled') => {
      const job = await enqueue({ kind: 'api.auth', queue: 'q-auth' });
      if (status === 'failed') await forceFailJob(db().services, job.id, setup);
      if (status === 'paused') await pauseJob(db().services, job.id, setup);
      if (status === 'cancelled') await cancelJob(db().services, job.id, setup);
      return { id: job.runId };
    };
    const bulkQueue = async (status: 'queued' | 'cancelled') => {
      const queue = unique('q-auth-bulk');
      const { id } = await enqueue({ kind: 'api.auth', queue });
      if (status === 'cancelled') await cancelJob(db().services, id, setup);
      return { filter: { queue } };
    };
    const MUTATIONS: Expectation[] = [
      {
        name: 'enqueueJob',
        minRole: 'operator',
        success: 'EnqueueResult',
        document: `mutation M($input: EnqueueJobInput!) { ${result('enqueueJob', 'input: $input, reason: "auth"')} }`,
        prepare: async () => ({ input: { kind: 'api.auth', queue: 'q-auth' } }),
      },
      {
        name: 'enqueueJobs',
        minRole: 'operator',
        success: 'EnqueueJobsResult',
        document: `mutation M($inputs: [EnqueueJobInput!]!) { ${result('enqueueJobs', 'inputs: $inputs, reason: "auth"')} }`,
        prepare: async () => ({ inputs: [{ kind: 'api.auth', queue: 'q-auth' }] }),
      },
      ...(
        [
          ['retryJob', 'failed'],
          ['cancelJob', 'queued'],
          ['pauseJob', 'queued'],
          ['resumeJob', 'paused'],
          ['forceFailJob', 'queued'],
        ] as const
      ).map(([name, status]) => ({
        name,
        minRole: 'operator' as const,
        success: 'Job',
        document: `mutation M($id: ID!) { ${result(name, 'id: $id, reason: "auth"')} }`,
        prepare: () => jobIn(status),
      })),
      { name: 'deleteJob', minRole: 'admin', success: 'Job', document: `mutation M($id: ID!) { ${result('deleteJob', 'id: $id')} }`, prepare: () => jobIn('queued') },
      {
        name: 'clearJobs',
        minRole: 'admin',
        success: 'ClearResult',
        document: `mutation M($queue: String) { ${result('clearJobs', 'status: cancelled, queue: $queue')} }`,
        prepare: async () => ({ queue: (await bulkQueue('cancelled')).filter.queue }),
      },
      { name: 'retryJobs', minRole: 'operator', success: 'BulkResult', document: `mutation M($filter: JobFilter!) { ${result('retryJobs', 'filter: $filter')} }`, prepare: () => bulkQueue('cancelled') },
      { name: 'cancelJobs', minRole: 'operator', success: 'BulkResult', document: `mutation M($filter: JobFilter!) { ${result('cancelJobs', 'filter: $filter')} }`, prepare: () => bulkQueue('queued') },
      { name: 'deleteJobs', minRole: 'admin', success: 'BulkResult', document: `mutation M($filter: JobFilter!) { ${result('deleteJobs', 'filter: $filter')} }`, prepare: () => bulkQueue('queued') },
      { name: 'pauseQueue', minRole: 'operator', success: 'Queue', document: `mutation M($name: String!) { ${result('pauseQueue', 'name: $name')} }`, prepare: async () => ({ name: await newQueue('q-auth-lane') }) },
      {
        name: 'resumeQueue',
        minRole: 'operator',
        success: 'Queue',
        document: `mutation M($name: String!) { ${result('resumeQueue', 'name: $name')} }`,
        prepare: async () => {
          const name = await newQueue('q-auth-lane');
          await pauseQueue(db().services, name, setup);
          return { name };
        },
      },
      {
        name: 'configureQueue',
        minRole: 'admin',
        success: 'Queue',
        document: `mutation M($name: String!) { ${result('configureQueue', 'name: $name, concurrency: 2')} }`,
        prepare: async () => ({ name: unique('q-auth-lane') }),
      },
      {
        name: 'releaseGovernor',
        minRole: 'operator',
        success: 'GovernorRelease',
        document: `mutation M($name: String!) { ${result('releaseGovernor', 'name: $name, reason: "auth"')} }`,
        prepare: async () => {
          const name = unique('g-auth');
          await tryAcquireGovernor(db().services, name, 'someone', { leaseMs: 600_000 });
          return { name };
        },
      },
      {
        name: 'healGovernors',
        minRole: 'operator',
        success: 'GovernorHeal',
        document: `mutation M { ${result('healGovernors', 'reason: "auth"')} }`,
        prepare: async () => {
          const name = unique('g-auth-expired');
          await tryAcquireGovernor(db().services, name, 'gone', { leaseMs: 1 });
          await databaseClockPast((await getGovernor(db().services.db, name)).leaseExpiresAt!);
          return {};
        },
      },
      {
        name: 'requestGovernorRun',
        minRole: 'operator',
        success: 'GovernorRunRequest',
        document: `mutation M($name: String!) { ${result('requestGovernorRun', 'name: $name, kind: "api.auth", queue: "q-auth"')} }`,
        prepare: async () => ({ name: unique('g-auth-run') }),
      },
      {
        name: 'createSchedule',
        minRole: 'operator',
        success: 'Schedule',
        document: `mutation M($name: String!) { ${result('createSchedule', 'input: { name: $name, cron: "*/5 * * * *", kind: "api.auth" }, reason: "auth"')} }`,
        prepare: async () => ({ name: unique('s-auth') }),
      },
      ...(['pauseSchedule', 'resumeSchedule', 'deleteSchedule'] as const).map((name) => ({
        name,
        minRole: name === 'deleteSchedule' ? ('admin' as const) : ('operator' as const),
        success: 'Schedule',
        document: `mutation M($name: String!) { ${result(name, 'name: $name, reason: "auth"')} }`,
        prepare: async () => {
          const schedule = unique('s-auth');
          await createSchedule(db().services, { name: schedule, cron: '*/5 * * * *', kind: 'api.auth' }, setup);
          if (name === 'resumeSchedule') await pauseSchedule(db().services, schedule, setup);
          return { name: schedule };
        },
      })),
      {
        name: 'acknowledgeAlert',
        minRole: 'operator',
        success: 'Alert',
        document: `mutation M($id: ID!) { ${result('acknowledgeAlert', 'id: $id, reason: "auth"')} }`,
        prepare: async () => {
          const { alert } = await raiseAlert(db().services, { kind: 'api.auth', severity: 'info', targetType: 'job', targetId: unique('a-auth'), message: 'auth' }, setup);
          return { id: String(alert.id) };
        },
      },
      {
        name: 'createApiKey',
        minRole: 'admin',
        success: 'CreatedApiKey',
        document: `mutation M($name: String!) { ${result('createApiKey', 'name: $name, role: viewer, reason: "auth"')} }`,
        prepare: async () => ({ name: unique('k-auth') }),
      },
      {
        name: 'revokeApiKey',
        minRole: 'admin',
        success: 'ApiKey',
        document: `mutation M($name: String!) { ${result('revokeApiKey', 'name: $name, reason: "auth"')} }`,
        prepare: async () => {
          const name = unique('k-auth');
          await createApiKey(db().services, { name, role: 'viewer' }, setup);
          return { name };
        },
      },
      {
        name: 'updateSettings',
        minRole: 'admin',
        success: 'SettingsUpdate',
        document: `mutation M($input: SettingsInput!) { ${result('updateSettings', 'input: $input, reason: "auth"')} }`,
        // A value not set before, so that an allowed call changes something.
        prepare: async () => ({ input: { printPacingMs: ++counter } }),
      },
      // The supervisor's: each recorded in the history (a tick, a detection, a purge) even when it found nothing.
      { name: 'runSupervisorTick', minRole: 'operator', success: 'SupervisorTick', document: `mutation M { ${result('runSupervisorTick', 'reason: "auth"')} }`, prepare: async () => ({}) },
      {
        name: 'detectStuckWork',
        minRole: 'operator',
        success: 'StuckWorkReport',
        document: `mutation M { ${result('detectStuckWork', 'dryRun: false, reason: "auth"')} }`,
        prepare: async () => ({}),
      },
      { name: 'purge', minRole: 'admin', success: 'PurgeReport', document: `mutation M { ${result('purge', 'dryRun: false, reason: "auth"')} }`, prepare: async () => ({}) },
      ...printAuthCases(() => db().services, result, unique),
      // Production tracking's: devices record (the ingest role, operators and admins), operators load and process.
      {
        name: 'recordPrintOsEvents',
        minRole: 'operator',
        neededRole: 'ingest',
        success: 'IngestResult',
        document: `mutation M($events: [PrintOsEventInput!]!) { ${result('recordPrintOsEvents', 'events: $events')} }`,
        prepare: async () => {
          await trackingRunWaiting('print_os');
          return { events: [{ marker: ++counter, impositionId: 'IMP-auth', status: 'PRINTED', completeTime: '2026-11-30T08:00:00Z' }] };
        },
      },
      {
        name: 'recordScans',
        minRole: 'operator',
        neededRole: 'ingest',
        success: 'IngestResult',
        document: `mutation M($scans: [ScanInput!]!) { ${result('recordScans', 'scans: $scans')} }`,
        prepare: async () => {
          await trackingRunWaiting('scanner');
          return { scans: [{ scanId: unique('scan-auth'), codeText: 'RL-auth', scannedAt: '2026-11-30T08:00:00Z', operations: ['coating'] }] };
        },
      },
      {
        name: 'upsertTrackingReference',
        minRole: 'operator',
        success: 'TrackingReferenceCounts',
        document: `mutation M($input: TrackingReferenceInput!) { ${result('upsertTrackingReference', 'input: $input, reason: "auth"')} }`,
        prepare: async () => ({ input: { productionJobs: [{ jobId: `4604_${++counter}` }] } }),
      },
      { name: 'processStatusUpdates', minRole: 'operator', success: 'TrackingProcessRun', document: `mutation M { ${result('processStatusUpdates', 'source: BOTH')} }`, prepare: async () => ({}) },
      {
        name: 'reprocessTracking',
        minRole: 'admin',
        success: 'TrackingReprocessResult',
        document: `mutation M { ${result('reprocessTracking', 'source: SCANNER, fromMarker: 1, reason: "auth"')} }`,
        prepare: async () => ({}),
      },
      {
        name: 'reprocessRejects',
        minRole: 'operator',
        success: 'TrackingReprocessResult',
        document: `mutation M { ${result('reprocessRejects', 'reason: "auth"')} }`,
        prepare: async () => ({}),
      },
    ];

    it('covers every mutation of the schema', async () => {
      const { schema } = await import('../src/schema/index.ts');
      expect(MUTATIONS.map((m) => m.name).sort()).toEqual(Object.keys(schema.getMutationType()!.getFields()).sort());
    });

    const callers = ['viewer', 'operator', 'admin', 'none', 'bad'] as const;
    const allowed = (minRole: 'operator' | 'admin', caller: (typeof callers)[number]) =>
      caller === 'admin' || (caller === 'operator' && minRole === 'operator');

    it.each(MUTATIONS)('$name: allowed from $minRole up; refused as data to lesser roles and with 401 without a live key, changing nothing', async ({ name, minRole, neededRole, success, document, prepare }) => {
      for (const caller of callers) {
        const variables = await prepare();
        await db().services.notifier.drain();
        const before = await fingerprint();
        const response = await gql(document, variables, caller);
        if (caller === 'none' || caller === 'bad') {
          expectUnauthenticated(response, caller === 'none' ? REQUIRED : WRONG);
          expect(await fingerprint(), `${name} as ${caller} changed something`).toBe(before);
          continue;
        }
        expect(response.errors, `${name} as ${caller}: ${response.text}`).toBeUndefined();
        const value = response.data[name];
        if (allowed(minRole, caller)) {
          expect(value.__typename, `${name} as ${caller}: ${response.text}`).toBe(success);
          expect(await fingerprint(), `${name} as ${caller} changed something`).not.toBe(before);
        } else {
          // In the API's words, not the framework's ("Not authorized to resolve Mutation.…").
          expect(value, `${name} as ${caller}`).toEqual({
            __typename: 'ForbiddenError',
            code: 'FORBIDDEN',
            message: `your key's role (${caller}) may not use ${name}: it needs the ${neededRole ?? minRole} role`,
          });
          expect(await fingerprint(), `${name} as ${caller} changed something`).toBe(before);
        }
      }
    });

    const QUERIES: Record<string, string> = {
      job: 'query Q($id: ID!) { job(id: $id) { id runId } }',
      jobs: '{ jobs(first: 1) { edges { node { id } } } }',
      queues: '{ queues { name stats { queued } } }',
      governors: '{ governors { name } }',
      workers: '{ workers(includeStopped: true) { id } }',
      history: '{ history(first: 1) { edges { node { id actor } } } }',
      schedules: '{ schedules { name } }',
      alerts: '{ alerts(first: 1) { edges { node { id } } } }',
      settings: '{ settings { key value version } }',
      supervisor: '{ supervisor { intervalMs lastTicks(first: 1) { id } } }',
      node: 'query Q($id: ID!) { node(id: $id) { id } }',
      nodes: 'query Q($id: ID!) { nodes(ids: [$id]) { id } }',
      jobMetrics: '{ jobMetrics(from: "2026-01-01T00:00:00Z", stepMinutes: 1440) { completed } }',
      overview: '{ overview { at queues { name stats { queued } } } }',
      caller: '{ caller { name role } }',
      kinds: '{ kinds { name servedBy } }',
      apiKeys: '{ apiKeys { name } }',
      ...printReadQueries,
      productionJob: '{ productionJob(jobId: "4604_1") { jobId operations { name } } }',
      productionJobs: '{ productionJobs(first: 1) { edges { node { jobId } } } }',
      impositions: '{ impositions { impositionId } }',
      runlists: '{ runlists { runlistId } }',
      printOsEvents: '{ printOsEvents(first: 1) { edges { node { id } } } }',
      scans: '{ scans(first: 1) { edges { node { id } } } }',
      trackingMarkers: '{ trackingMarkers { source waiting } }',
    };
    /** Readable by admins only (the keys test shows the others refused). */
    const ADMIN_ONLY = new Set(['apiKeys']);

    it('lets every role read (keys: admins), and refuses reads without a (valid) key', async () => {
      const job = await enqueue({ kind: 'api.auth.read', queue: 'q-auth' });
      const printVariables = await seedPrintReads(db().services);
      await upsertTrackingReference(db().services, { productionJobs: [{ jobId: '4604_1' }] }, setup);
      const { schema } = await import('../src/schema/index.ts');
      expect(Object.keys(QUERIES).sort()).toEqual(Object.keys(schema.getQueryType()!.getFields()).sort());
      for (const [field, document] of Object.entries(QUERIES)) {
        const variables = { id: field === 'job' ? job.runId : globalId(job.id), ...printVariables };
        for (const role of ADMIN_ONLY.has(field) ? (['admin'] as const) : (['viewer', 'operator', 'admin'] as const)) {
          const data = await ok(gql(document, variables, role));
          expect(data[field], `${field} as ${role}`).not.toBeNull();
        }
        for (const caller of ['none', 'bad'] as const) {
          const response = await gql(document, variables, caller);
          expectUnauthenticated(response, caller === 'none' ? REQUIRED : WRONG);
          expect(response.text).not.toContain(job.runId);
        }
      }
    });

    it('refuses a revoked key, telling its holder the key is wrong', async () => {
      const { key } = await createApiKey(db().services, { name: 'temp-operator', role: 'operator' }, setup);
      const PAUSE = 'mutation P($name: String!) { pauseQueue(name: $name) { __typename ... on Queue { pausedBy } ... on Error { message } } }';
      expect((await ok(gql(PAUSE, { name: await newQueue('q-revoke') }, { token: key }))).pauseQueue).toEqual({ __typename: 'Queue', pausedBy: 'temp-operator' });
      await revokeApiKey(db().services, 'temp-operator', setup);
      const queue = await newQueue('q-revoke');
      const before = await fingerprint();
      expectUnauthenticated(await gql(PAUSE, { name: queue }, { token: key }), WRONG);
      expectUnauthenticated(await gql('{ queues { name } }', {}, { token: key }), WRONG);
      expect(await fingerprint()).toBe(before);
      // A malformed header is no key either.
      expectUnauthenticated(await post(JSON.stringify({ query: '{ queues { name } }' }), { authorization: `Basic ${keys.admin}` }), REQUIRED);
    });

    it('manages keys from the API: create (shown once), list, revoke, each in the history with who and why', async () => {
      const CREATE = `mutation C($name: String!, $role: ApiKeyRole!) { createApiKey(name: $name, role: $role, reason: "new desk") {
        __typename ... on CreatedApiKey { key apiKey { name role revokedAt } } ... on Error { code message } } }`;
      const created = (await ok(gql(CREATE, { name: 'desk-2', role: 'operator' }, 'admin'))).createApiKey;
      expect(created).toMatchObject({ __typename: 'CreatedApiKey', key: expect.stringMatching(/^prk_/), apiKey: { name: 'desk-2', role: 'operator', revokedAt: null } });
      // The new key works, with its role.
      expect((await ok(gql('{ queues { name } }', {}, { token: created.key }))).queues).toBeDefined();
      // A second live key of that name is refused as data.
      expect((await ok(gql(CREATE, { name: 'desk-2', role: 'viewer' }, 'admin'))).createApiKey).toMatchObject({ __typename: 'InvalidInputError' });
      const listed = (await ok(gql('{ apiKeys { name role revokedAt lastUsedAt } }', {}, 'admin'))).apiKeys;
      expect(listed).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'desk-2', role: 'operator', revokedAt: null })]));
      expect(JSON.stringify(listed)).not.toContain(created.key);
      const REVOKE = `mutation R($name: String!) { revokeApiKey(name: $name, reason: "desk closed") { __typename ... on ApiKey { name revokedAt } ... on Error { code } } }`;
      expect((await ok(gql(REVOKE, { name: 'desk-2' }, 'admin'))).revokeApiKey).toMatchObject({ __typename: 'ApiKey', name: 'desk-2', revokedAt: expect.any(String) });
      expect((await ok(gql(REVOKE, { name: 'desk-2' }, 'admin'))).revokeApiKey).toMatchObject({ __typename: 'NotFoundError', code: 'NOT_FOUND' });
      expectUnauthenticated(await gql('{ queues { name } }', {}, { token: created.key }), WRONG);
      expect((await historyOf({ targetType: 'apiKey', targetId: 'desk-2' })).map((e) => [e.operation, e.actor, e.reason])).toEqual([
        ['revokeKey', KEY_NAMES.admin, 'desk closed'],
        ['createKey', KEY_NAMES.admin, 'new desk'],
      ]);
      // Viewers and operators do not see keys.
      const asOperator = await gql('{ apiKeys { name } }', {}, 'operator');
      expect(asOperator.errors?.[0]).toMatchObject({ message: "your key's role (operator) may not use apiKeys: it needs the admin role", extensions: { code: 'FORBIDDEN' } });
    });
  });

  describe('limits', () => {
    const DASHBOARD = (first: number) => /* GraphQL */ `
      query Dashboard($kind: String) {
        jobs(first: ${first}, filter: { kind: $kind }) {
          edges { cursor node {
            id databaseId runId kind status attempts maxAttempts createdAt updatedAt progress { percent stage message }
            queue { name paused concurrency stats { queued running paused completed failed cancelled oldestWaitingSeconds } }
            items(first: 5) { edges { node { position key status error } } pageInfo { hasNextPage endCursor } }
            history(first: 5) { edges { node { id at actor operation reason } } pageInfo { hasNextPage endCursor } }
          } }
          pageInfo { hasNextPage endCursor }
        }
      }`;

    it('runs a page of jobs with nested queue stats, items and history in a bounded number of statements', async () => {
      const { services } = db();
      const kind = 'api.nplusone';
      const queues = ['q-n1-a', 'q-n1-b', 'q-n1-c'];
      const created = await enqueueJobs(
        services,
        Array.from({ length: 50 }, (_, i) => ({ kind, queue: queues[i % 3]!, items: Array.from({ length: 6 }, (_, n) => `item-${i}-${n}`) })),
        setup,
      );
      for (const { job } of created.filter((_, i) => i % 2 === 0)) await pauseJob(services, job.id, setup);
      await services.notifier.drain();

      const measure = async (first: number) =>
        countStatements(async () => {
          const response = await gql(DASHBOARD(first), { kind }, 'viewer');
          expect(response.errors, response.text).toBeUndefined();
          return response.data.jobs.edges as any[];
        });
      const ten = await measure(10);
      const fifty = await measure(50);
      expect(ten.result).toHaveLength(10);
      expect(fifty.result).toHaveLength(50);
      for (const { node } of fifty.result) {
        expect(node.items.edges).toHaveLength(5);
        expect(node.items.pageInfo.hasNextPage).toBe(true);
        expect(node.items.edges[0].node.key).toBe(`item-${created.findIndex((c) => c.job.id === node.databaseId)}-0`);
        expect(node.history.edges.length).toBe(node.status === 'paused' ? 2 : 1);
        expect(node.queue.stats.queued + node.queue.stats.paused).toBeGreaterThanOrEqual(16);
      }
      // The key look-up, the page, and one statement each for queues, their live and finished
      // counts, items and history; the second page reuses the finished counts the first one made.
      expect(ten.statements).toBeGreaterThanOrEqual(6);
      expect(ten.statements).toBeLessThanOrEqual(10);
      expect(fifty.statements).toBeGreaterThanOrEqual(6);
      expect(fifty.statements).toBeLessThanOrEqual(ten.statements);
    });

    it('passes legitimate queries: the GraphiQL examples, a dashboard page of 50, a full page of 200', async () => {
      const job = await enqueue({ kind: 'api.examples', queue: 'q-examples', items: ['a'] });
      // As GraphiQL opens them: pointed at the newest job.
      const examples = renderExamples(graphiqlExamples, { job: job.runId, failedJob: null });
      const operations = parse(examples).definitions.flatMap((d) => (d.kind === Kind.OPERATION_DEFINITION && d.name ? [{ name: d.name.value, type: d.operation }] : []));
      expect(operations.map((o) => o.name)).toEqual(expect.arrayContaining(['FindJob', 'FailedJobs', 'RetryJob', 'FollowJob', 'JobHistory', 'Queues', 'ApiKeys']));
      for (const { name, type } of operations) {
        // As GraphiQL sends it: the whole document, with the operation picked by name.
        if (type === 'subscription') {
          const first = await firstStreamed(examples, {}, 'viewer', name);
          expect(first.errors, `${name}: ${JSON.stringify(first)}`).toBeUndefined();
          expect(first.data, name).toBeTruthy();
          continue;
        }
        const response = await gql(examples, {}, 'admin', name);
        expect(response.errors, `${name}: ${response.text}`).toBeUndefined();
        expect(response.data, name).toBeTruthy();
      }
      // No failed job: RetryJob points at the newest job, which is queued.
      expect((await ok(gql(examples, {}, 'admin', 'RetryJob'))).retryJob).toMatchObject({ __typename: 'InvalidTransitionError', code: 'INVALID_TRANSITION' });
      expect((await ok(gql(examples, {}, 'viewer', 'FindJob'))).job).toMatchObject({ runId: job.runId, itemsTotal: 1 });
      expect((await ok(gql(examples, {}, 'viewer', 'JobHistory'))).job.history.edges).toHaveLength(1);

      await ok(gql(DASHBOARD(50), {}, 'viewer'));
      await ok(
        gql(
          `{ jobs(first: 200) { edges { cursor node { id databaseId runId kind queueName priority payload status attempts maxAttempts backoff runAt dedupeKey governorKey
            controlRequest itemsTotal itemsProcessed itemsFailed result metrics createdBy createdAt updatedAt startedAt finishedAt pausedAt resumeCount
            progress { percent stage message } stages { name status startedAt finishedAt } lastCheckpoint { stage data at }
            lastError { message class attempt at item } errorLog { message class attempt at item } lease { workerId expiresAt heartbeatAt }
            queue { name paused concurrency stats { queued running failed } } } } pageInfo { hasNextPage endCursor } } }`,
          {},
          'viewer',
        ),
      );
      await ok(gql('{ history(first: 200) { edges { node { id at actor operation targetType targetId before after reason } } pageInfo { hasNextPage endCursor } } }', {}, 'viewer'));

      // GraphiQL itself is served, with the examples.
      const page = await fetch(api.url, { headers: { accept: 'text/html' } });
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('FailedJobs');
    });

    const expectRejected = (response: GraphQLResponse, message: RegExp) => {
      expect(response.data ?? null, response.text).toBeNull();
      expect(response.errors?.map((e) => e.message)).toEqual([expect.stringMatching(message)]);
    };

    it('rejects an over-deep query, with a clear message and no data', async () => {
      const chain = ['A', 'B', 'C', 'D', 'E', 'F'];
      const deep = `query Deep { jobs(first: 1) { edges { node { ...A } } } }
        ${chain.map((name, i) => `fragment ${name} on Job { id ${i < chain.length - 1 ? `...${chain[i + 1]}` : 'history(first: 1) { edges { node { at } } }'} }`).join('\n')}`;
      expectRejected(await gql(deep, {}, 'admin'), /Query depth limit of 10 exceeded/);
    });

    it('rejects an over-costly query, with a clear message and no data', async () => {
      const aliases = Array.from({ length: 10 }, (_, i) => `a${i}: jobs(first: 200) { edges { node { id items(first: 200) { edges { node { key payload } } } } } }`);
      expectRejected(await gql(`{ ${aliases.join(' ')} }`, {}, 'admin'), /Query Cost limit of \d+ exceeded/);
      const many = Array.from({ length: 16 }, (_, i) => `a${i}: queues { name }`);
      expectRejected(await gql(`{ ${many.join(' ')} }`, {}, 'admin'), /Aliases limit of 15 exceeded/);
    });

    it('masks unexpected errors: no stack trace, no SQL', async () => {
      const malformed = await post('{"query": "{ queues { name } ', authorization('admin'));
      expect(malformed.status).toBe(400);
      expect(malformed.errors?.[0]?.message).toBe('POST body sent invalid JSON.');
      expect(malformed.text).not.toMatch(/\bat \S+ \(|\bat .*:\d+:\d+|\.ts:\d+|node_modules/);

      // A run id PostgreSQL cannot store (a NUL byte) makes the database fail: an internal error.
      const internal = await gql('query J($filter: JobFilter) { jobs(first: 1, filter: $filter) { edges { node { id } } } }', { filter: { runId: 'a\u0000b' } }, 'viewer');
      expect(internal.errors).toEqual([expect.objectContaining({ message: 'Unexpected error.', extensions: { code: 'INTERNAL_SERVER_ERROR' } })]);
      expect(internal.text).not.toMatch(/\bat \S+ \(|\bat .*:\d+:\d+|\.ts:\d+|node_modules|select|0x00|UTF8/i);
      expect(internal.data ?? null).toBeNull();
    });

    it('refuses requests larger than 1 MB with 413, with or without a Content-Length', async () => {
      const big = JSON.stringify({ query: 'mutation E($input: EnqueueJobInput!) { enqueueJob(input: $input) { __typename } }', variables: { input: { kind: 'api.big', payload: { blob: 'x'.repeat(1_100_000) } } } });
      const before = await fingerprint();
      const sized = await post(big, authorization('operator'));
      expect(sized.status).toBe(413);
      const encoded = new TextEncoder().encode(big);
      const chunked = await post(
        new ReadableStream({
          start(controller) {
            for (let at = 0; at < encoded.length; at += 64 * 1024) controller.enqueue(encoded.slice(at, at + 64 * 1024));
            controller.close();
          },
        }),
        authorization('operator'),
      );
      expect(chunked.status).toBe(413);
      expect(await fingerprint()).toBe(before);

      // Under the limit, a large payload is fine.
      const fits = await ok(
        gql('mutation E($input: EnqueueJobInput!) { enqueueJob(input: $input) { __typename } }', { input: { kind: 'api.big', payload: { blob: 'x'.repeat(600_000) } } }, 'operator'),
      );
      expect(fits.enqueueJob.__typename).toBe('EnqueueResult');
    });
  });
});
