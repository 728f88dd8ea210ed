// Finished jobs through the real services: a retry refused while a newer live job holds the
// dedupe key, and delete and clearJobs removing jobs while their history stays.
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { query } from '../../src/db/client.ts';
import { cancelJob, clearJobs, deleteJob, DedupeConflictError, enqueueJob, listHistory, listJobItems, NotFoundError, retryJob } from '../../src/services/index.ts';
import { useTestDatabase } from '../support/db.ts';
import { jobStates, newKind, operator, rejection, uniqueNumber } from '../support/jobStates.ts';
import { waitFor } from '../support/wait.ts';

const db = useTestDatabase();
const services = () => db().services;
const { historyOf, job, jobIn } = jobStates(services);

describe('retry and dedupe keys', () => {
  it('refuses to retry a job whose dedupe key a newer live job holds, and changes nothing', async () => {
    const kind = newKind('dedupe');
    const { job: first } = await enqueueJob(services(), { kind, allowUnknownKind: true, dedupeKey: `${kind}-key` }, operator);
    await cancelJob(services(), first.id, operator);
    const { job: second } = await enqueueJob(services(), { kind, allowUnknownKind: true, dedupeKey: `${kind}-key` }, operator);
    const error = await rejection(retryJob(services(), first.id, operator));
    expect(error).toBeInstanceOf(DedupeConflictError);
    expect(error).toMatchObject({ code: 'DEDUPE_CONFLICT', liveJobId: second.id });
    expect(await job(first.id)).toMatchObject({ status: 'cancelled' });
  });
});

describe('delete and clear', () => {
  it('deleting a job removes it and its items but keeps its history', async () => {
    const { run } = await jobIn('completed', { items: ['a'] });
    const history = await historyOf(run.jobId);
    const deleted = await deleteJob(services(), run.jobId, operator);
    expect(deleted.id).toBe(run.jobId);

    await expect(job(run.jobId)).rejects.toBeInstanceOf(NotFoundError);
    expect(await listJobItems(services().db, run.jobId, { first: 10 })).toEqual([]);
    const after = await historyOf(run.jobId);
    expect(after.slice(1)).toEqual(history);
    expect(after[0]).toMatchObject({ operation: 'delete', actor: 'operator', reason: 'testing', before: { status: 'completed', runId: deleted.runId }, after: null });
    expect(after.map((e) => e.operation)).toContain('enqueue');
  });

  it('clearJobs deletes only jobs of the given status finished before the given time, with a delete entry per job and one summary entry', async () => {
    const queue = `sm-clear-${uniqueNumber()}`;
    const older = await jobIn('completed', { queue });
    // Let the database clock move on, so the next job finishes strictly later.
    const cutoff = new Date(older.job.finishedAt!.getTime() + 1);
    await waitFor(async () => {
      const [row] = await query<{ now: string | Date }>(services().db, sql`select clock_timestamp() as now`);
      return new Date(row!.now).getTime() > cutoff.getTime() + 1;
    }, { what: 'the database clock to pass the cutoff' });
    const newer = await jobIn('completed', { queue });
    const failed = await jobIn('failed', { queue });
    const elsewhere = await jobIn('completed');
    expect(newer.job.finishedAt!.getTime()).toBeGreaterThan(cutoff.getTime());

    const clears = async () => (await listHistory(services().db, { targetType: 'jobs', operation: 'clear' }, { first: 100 })).entries;
    const clearsBefore = await clears();

    expect(await clearJobs(services(), { status: 'completed', olderThan: cutoff, queue }, operator)).toEqual({ deleted: 1, job: null });
    await expect(job(older.job.id)).rejects.toBeInstanceOf(NotFoundError);
    expect((await job(newer.job.id)).status).toBe('completed');
    expect((await job(failed.job.id)).status).toBe('failed');
    expect((await job(elsewhere.job.id)).status).toBe('completed');

    const afterFirst = await clears();
    expect(afterFirst).toHaveLength(clearsBefore.length + 1);
    expect(afterFirst[0]).toMatchObject({
      operation: 'clear',
      actor: 'operator',
      reason: 'testing',
      targetType: 'jobs',
      targetId: 'completed',
      after: { deleted: 1, status: 'completed', olderThan: cutoff.toISOString(), queue },
    });
    // The deleted job's own history stays, and ends with its delete, by whom and why.
    expect((await historyOf(older.job.id))[0]).toMatchObject({ operation: 'delete', actor: 'operator', reason: 'testing', before: { status: 'completed' } });

    expect(await clearJobs(services(), { status: 'completed', queue }, operator)).toEqual({ deleted: 1, job: null });
    await expect(job(newer.job.id)).rejects.toBeInstanceOf(NotFoundError);
    expect((await job(failed.job.id)).status).toBe('failed');
    expect((await job(elsewhere.job.id)).status).toBe('completed');
    const afterSecond = await clears();
    expect(afterSecond).toHaveLength(clearsBefore.length + 2);
    expect(afterSecond[0]).toMatchObject({ after: { deleted: 1, status: 'completed', olderThan: null, queue } });
  });
});
