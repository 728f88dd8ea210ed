// The GraphQL API's queries over real HTTP, with API keys: finding, filtering and paging jobs,
// queues, governors, workers and the history.
import { describe, expect, it } from 'vitest';
import { cancelJob, configureQueue, enqueueJobs, forceFailJob, getJob, pauseJob, pauseQueue, resumeJob, retryJob, tryAcquireGovernor } from '../../src/services/index.ts';
import { globalId, HISTORY_QUERY, jobMutation, ok, setup, unique, useApiClient, type HistoryNode } from '../support/apiClient.ts';
import { useTestDatabase } from '../support/db.ts';
import { waitFor } from '../support/wait.ts';
import { startTestWorker } from '../support/workers.ts';

const db = useTestDatabase();
const { gql, historyOf, enqueue, newQueue, databaseClockPast } = useApiClient(db);

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
