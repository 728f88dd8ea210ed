// The GraphQL API's mutations over real HTTP, with API keys: each changes what it says, records
// who and why in the history, and refuses what it may not do as typed data, changing nothing.
import { describe, expect, it } from 'vitest';
import { cancelJob, configureQueue, enqueueJobs, forceFailJob, getGovernor, getJob, tryAcquireGovernor } from '../../src/services/index.ts';
import { ERROR_FIELDS, globalId, JOB_FIELDS, jobMutation, KEY_NAMES, ok, setup, unique, useApiClient } from '../support/apiClient.ts';
import { useTestDatabase } from '../support/db.ts';

const db = useTestDatabase();
const { gql, lastEntry, enqueue, fingerprint, databaseClockPast } = useApiClient(db);

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
