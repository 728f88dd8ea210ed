// The GraphQL API's limits: a page of jobs in a bounded number of statements, legitimate queries
// passing, over-deep, over-costly and over-large requests refused, unexpected errors masked.
import { Kind, parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { graphiqlExamples, renderExamples } from '../../src/api/examples/index.ts';
import { enqueueJobs, pauseJob } from '../../src/services/index.ts';
import { ok, setup, useApiClient, type GraphQLResponse } from '../support/apiClient.ts';
import { useTestDatabase } from '../support/db.ts';

const db = useTestDatabase();
const { url, authorization, post, gql, firstStreamed, enqueue, fingerprint, countStatements } = useApiClient(db);

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
    const page = await fetch(url(), { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('FailedJobs');
  });

  // Well-formed operations that ask too much are refused in our words ("operation refused: …"), never as a "Syntax Error".
  const expectRejected = (response: GraphQLResponse, message: RegExp) => {
    expect(response.data ?? null, response.text).toBeNull();
    expect(response.errors?.map((e) => e.message)).toEqual([expect.stringMatching(message)]);
  };

  it('rejects an over-deep query, with a clear message and no data', async () => {
    const chain = ['A', 'B', 'C', 'D', 'E', 'F'];
    const deep = `query Deep { jobs(first: 1) { edges { node { ...A } } } }
      ${chain.map((name, i) => `fragment ${name} on Job { id ${i < chain.length - 1 ? `...${chain[i + 1]}` : 'history(first: 1) { edges { node { at } } }'} }`).join('\n')}`;
    expectRejected(await gql(deep, {}, 'admin'), /^operation refused: Query depth limit of 10 exceeded/);
  });

  it('rejects an over-costly query, with a clear message and no data', async () => {
    const aliases = Array.from({ length: 10 }, (_, i) => `a${i}: jobs(first: 200) { edges { node { id items(first: 200) { edges { node { key payload } } } } } }`);
    expectRejected(await gql(`{ ${aliases.join(' ')} }`, {}, 'admin'), /^operation refused: Query Cost limit of \d+ exceeded/);
    const many = Array.from({ length: 16 }, (_, i) => `a${i}: queues { name }`);
    expectRejected(await gql(`{ ${many.join(' ')} }`, {}, 'admin'), /^operation refused: Aliases limit of 15 exceeded/);
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
