// The job and jobs subscriptions over graphql-ws and SSE: a job followed from its current state
// to its end, also across processes, and a filtered stream of jobs.
import { describe, expect, it } from 'vitest';
import { graphiqlExamples, renderExamples } from '../../src/api/examples/index.ts';
import { enqueueJob } from '../../src/services/index.ts';
import { serverMode, useTestDatabase } from '../support/db.ts';
import { by, JOB, useSubscriptionApi, type JobView } from '../support/subscriptionApi.ts';
import { spawnApiProcess, type ApiProcess } from '../support/subscriptions.ts';
import { spawnWorkerProcess, type WorkerProcess } from '../support/workers.ts';

const db = useTestDatabase();
const { client, ws, sse, worker, stopAfterTest } = useSubscriptionApi(db);

describe('job subscription', () => {
  it('yields the job as it is, then its progress until it completes, over graphql-ws and SSE', async () => {
    const { job } = await enqueueJob(db().services, { kind: 'test.steps', queue: 'sub-job', payload: { steps: 4, ms: 30 } }, by);
    const byId = ws<{ job: JobView }>(JOB, { id: String(job.id) });
    const byRunId = sse<{ job: JobView }>(JOB, { id: job.runId });

    // The current state first: no worker has seen the job yet.
    const first = (await byId.feed.nextData()).job;
    expect(first).toMatchObject({ databaseId: job.id, runId: job.runId, status: 'queued', progress: null });
    expect((await byRunId.feed.nextData()).job).toEqual(first);

    await worker(['sub-job']);
    for (const { feed } of [byId, byRunId]) {
      await feed.until(({ job: j }) => j.status === 'completed');
      const states = feed.messages.map((m) => m.data!.job);
      const running = states.filter((j) => j.status === 'running');
      expect(running.some((j) => (j.progress?.percent ?? 0) > 0 && j.progress?.stage?.startsWith('step-'))).toBe(true);
      // Progress only goes forward.
      const percents = running.map((j) => j.progress?.percent ?? 0);
      expect(percents).toEqual([...percents].sort((a, b) => a - b));
      expect(feed.messages.every((m) => !m.errors)).toBe(true);
    }
  });

  it("runs GraphiQL's example \"follow a job's progress live\" as GraphiQL sends it", async () => {
    const { job } = await enqueueJob(db().services, { kind: 'test.noop', queue: 'sub-example' }, by);
    const { feed } = sse<{ job: { runId: string; status: string; progress: unknown } }>(renderExamples(graphiqlExamples, { job: job.runId, failedJob: null }), {}, {}, 'FollowJob');
    expect((await feed.nextData()).job).toMatchObject({ runId: job.runId, status: 'queued', progress: null });
  });

  it('yields null and ends for a job that does not exist', async () => {
    const { feed } = ws<{ job: JobView | null }>(JOB, { id: '999999999' });
    expect(await feed.nextData()).toEqual({ job: null });
    await feed.ended();
    expect(feed.completed).toBe(true);
  });
});

type JobsUpdate = { snapshot: boolean; jobs: { databaseId: number; status: string; queueName: string }[]; removed: { databaseId: number; deleted: boolean }[] };
const JOBS = /* GraphQL */ `
  subscription Jobs($filter: JobFilter) {
    jobs(filter: $filter) { snapshot jobs { databaseId status queueName } removed { databaseId deleted } }
  }
`;

describe('jobs subscription', () => {
  it('delivers only the jobs that match the filter, and drops those that stop matching', async () => {
    const { services } = db();
    const { job: before } = await enqueueJob(services, { kind: 'test.noop', queue: 'sub-jobs' }, by);
    const { job: elsewhere } = await enqueueJob(services, { kind: 'test.noop', queue: 'sub-jobs-other' }, by);
    const { feed } = sse<{ jobs: JobsUpdate }>(JOBS, { filter: { queue: 'sub-jobs', status: ['queued'] } });

    const snapshot = (await feed.nextData()).jobs;
    expect(snapshot).toEqual({ snapshot: true, jobs: [{ databaseId: before.id, status: 'queued', queueName: 'sub-jobs' }], removed: [] });

    // A job that does not match, then one that does: the stream is in order, so the first would show up before the second.
    const { job: other } = await enqueueJob(services, { kind: 'test.noop', queue: 'sub-jobs-other' }, by);
    const { job: matching } = await enqueueJob(services, { kind: 'test.noop', queue: 'sub-jobs' }, by);
    await feed.until(({ jobs }) => jobs.jobs.some((j) => j.databaseId === matching.id));

    // Run them: once running they no longer match, and the stream says to drop them.
    await worker(['sub-jobs']);
    const removed = new Set<number>();
    await feed.until(({ jobs }) => {
      for (const r of jobs.removed) removed.add(r.databaseId);
      return removed.has(before.id) && removed.has(matching.id);
    });

    const updates = feed.messages.map((m) => m.data!.jobs);
    const delivered = updates.flatMap((u) => u.jobs);
    expect(delivered.every((j) => j.queueName === 'sub-jobs' && j.status === 'queued')).toBe(true);
    expect(delivered.map((j) => j.databaseId)).not.toContain(other.id);
    expect(delivered.map((j) => j.databaseId)).not.toContain(elsewhere.id);
    expect(updates.flatMap((u) => u.removed)).toEqual(
      expect.arrayContaining([
        { databaseId: before.id, deleted: false },
        { databaseId: matching.id, deleted: false },
      ]),
    );
    expect(updates.slice(1).every((u) => !u.snapshot)).toBe(true);
  });
});

describe.runIf(serverMode)('across processes', () => {
  it('a client of an API process follows a job that a worker process runs', async () => {
    const { services } = db();
    const apiProcess: ApiProcess = await spawnApiProcess(db());
    stopAfterTest(apiProcess);
    const { job } = await enqueueJob(services, { kind: 'test.steps', queue: 'sub-procs', payload: { steps: 5, ms: 50 } }, by);

    const { feed } = ws<{ job: JobView }>(JOB, { id: job.runId }, client(apiProcess.url));
    expect((await feed.nextData(30_000)).job).toMatchObject({ databaseId: job.id, status: 'queued' });

    const workerProcess: WorkerProcess = spawnWorkerProcess(db(), { PRESSROOM_WORKER_QUEUES: 'sub-procs' });
    stopAfterTest(workerProcess);
    const running = await feed.until(({ job: j }) => j.status === 'running' && (j.progress?.percent ?? 0) > 0, 30_000);
    expect(running.job.progress!.stage).toMatch(/^step-\d$/);
    await feed.until(({ job: j }) => j.status === 'completed', 30_000);
  });
});
