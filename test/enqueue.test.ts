import { describe, expect, it } from 'vitest';
import { enqueueJob, enqueueJobs, getJob, getJobByRunId, InvalidInputError, listHistory } from '../src/services/index.ts';
import { useTestDatabase } from './support/db.ts';

const db = useTestDatabase();

const by = { actor: 'test', reason: 'because' };

describe('enqueue', () => {
  it('creates a queued job with a run id, defaults and a history entry', async () => {
    const { job, deduplicated } = await enqueueJob(db().services, { kind: 'document.process', payload: { title: 'a' } }, by);
    expect(deduplicated).toBe(false);
    expect(job).toMatchObject({ kind: 'document.process', queue: 'default', status: 'queued', attempts: 0, maxAttempts: 3, createdBy: 'test' });
    expect(job.runId).toMatch(/^document-process-\d{8}-[0-9A-Z]{10}$/);
    expect(await getJobByRunId(db().services.db, job.runId)).toMatchObject({ id: job.id });
    const { entries } = await listHistory(db().services.db, { targetType: 'job', targetId: String(job.id) }, { first: 10 });
    expect(entries).toEqual([expect.objectContaining({ operation: 'enqueue', actor: 'test', reason: 'because' })]);
  });

  it('stores items and counts them', async () => {
    const { job } = await enqueueJob(db().services, { kind: 'test.items', items: ['a', { key: 'b', payload: { n: 1 } }] }, by);
    expect((await getJob(db().services.db, job.id)).itemsTotal).toBe(2);
  });

  it('refuses bad input with the field path and writes nothing', async () => {
    const before = await listHistory(db().services.db, {}, { first: 1 });
    const attempt = enqueueJobs(db().services, [{ kind: 'ok' }, { kind: 'bad kind!', priority: 1.5 } as never], by);
    await expect(attempt).rejects.toBeInstanceOf(InvalidInputError);
    await expect(attempt).rejects.toMatchObject({ issues: expect.arrayContaining([expect.objectContaining({ path: '1.kind' }), expect.objectContaining({ path: '1.priority' })]) });
    const after = await listHistory(db().services.db, {}, { first: 1 });
    expect(after.entries[0]?.id).toBe(before.entries[0]?.id);
  });

  it('dedupes under concurrent enqueue: one live job per key', async () => {
    const results = await Promise.all(
      Array.from({ length: 20 }, () => enqueueJob(db().services, { kind: 'test.noop', dedupeKey: 'report-42' }, by)),
    );
    const ids = new Set(results.map((r) => r.job.id));
    expect(ids.size).toBe(1);
    expect(results.filter((r) => !r.deduplicated)).toHaveLength(1);
  });

  it('enqueues in bulk in one call', async () => {
    const results = await enqueueJobs(db().services, Array.from({ length: 500 }, (_, i) => ({ kind: 'test.noop', payload: { i } })), by);
    expect(new Set(results.map((r) => r.job.runId)).size).toBe(500);
  });

  it('refuses what PostgreSQL cannot store (the NUL character, very deep nesting) with the field path, and writes nothing', async () => {
    const before = await listHistory(db().services.db, {}, { first: 1 });
    let deep: unknown = 'bottom';
    for (let i = 0; i < 100_000; i++) deep = [deep];
    const cases: [object, string][] = [
      [{ kind: 'test.noop', payload: { note: 'a\u0000b' } }, 'payload'],
      [{ kind: 'test.noop', payload: { ['k\u0000']: 1 } }, 'payload'],
      [{ kind: 'test.noop', payload: { deep } }, 'payload'],
      [{ kind: 'test.noop', dedupeKey: 'x\u0000' }, 'dedupeKey'],
      [{ kind: 'test.items', items: ['ok', 'bad\u0000'] }, 'items.1'],
    ];
    for (const [input, path] of cases) {
      const attempt = enqueueJob(db().services, input as never, by);
      await expect(attempt).rejects.toBeInstanceOf(InvalidInputError);
      await expect(attempt).rejects.toMatchObject({ issues: [expect.objectContaining({ path })] });
    }
    const after = await listHistory(db().services.db, {}, { first: 1 });
    expect(after.entries[0]?.id).toBe(before.entries[0]?.id);
  });

  it('single enqueues arriving together each get their own job and history entry, with their own actor and reason', async () => {
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) => enqueueJob(db().services, { kind: 'test.noop', payload: { i } }, { actor: `caller-${i}`, reason: `reason ${i}` })),
    );
    expect(new Set(results.map((r) => r.job.id)).size).toBe(40);
    for (const [i, { job }] of results.entries()) {
      expect(job).toMatchObject({ payload: { i }, createdBy: `caller-${i}`, status: 'queued' });
      const { entries } = await listHistory(db().services.db, { targetType: 'job', targetId: String(job.id) }, { first: 10 });
      expect(entries).toEqual([expect.objectContaining({ operation: 'enqueue', actor: `caller-${i}`, reason: `reason ${i}` })]);
    }
  });
});
