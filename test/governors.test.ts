import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import {
  claimJobs,
  enqueueJob,
  enqueueJobs,
  getGovernor,
  getJob,
  GovernorBusyError,
  healGovernors,
  listHistory,
  listJobs,
  releaseGovernor,
  renewGovernor,
  requestGovernorRun,
  tryAcquireGovernor,
  type Governor,
  type Job,
} from '../src/services/index.ts';
import { useTestDatabase } from './support/db.ts';
import { maxOverlap, type RunInterval } from './support/overlap.ts';
import { waitFor } from './support/wait.ts';
import { startTestWorker } from './support/workers.ts';

const db = useTestDatabase();

const by = { actor: 'test', reason: 'governor test' };

async function governorHistory(name: string) {
  return (await listHistory(db().services.db, { targetType: 'governor', targetId: name }, { first: 100 })).entries;
}

async function jobsOf(queue: string): Promise<Job[]> {
  return (await listJobs(db().services.db, { queue }, { first: 100 })).jobs;
}

describe('governors', () => {
  it('lets exactly one of many concurrent contenders hold it; only the holder renews or releases it', async () => {
    const { services } = db();
    const outcomes = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) => tryAcquireGovernor(services, 'g-contended', `holder-${i}`, { leaseMs: 60_000 })),
    );
    const won = outcomes.filter((o): o is PromiseFulfilledResult<Governor> => o.status === 'fulfilled').map((o) => o.value);
    const lost = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected').map((o) => o.reason as unknown);
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(19);
    const winner = won[0]!.holder!;
    expect(winner).toMatch(/^holder-\d+$/);
    for (const error of lost) {
      expect(error).toBeInstanceOf(GovernorBusyError);
      expect(error).toMatchObject({ governor: 'g-contended', holder: winner });
    }
    const held = await getGovernor(services.db, 'g-contended');
    expect(held).toMatchObject({ holder: winner, holderJobId: null });

    const renewed = await renewGovernor(services, 'g-contended', winner, 120_000);
    expect(renewed.holder).toBe(winner);
    expect(renewed.leaseExpiresAt!.getTime()).toBeGreaterThan(held.leaseExpiresAt!.getTime());
    const other = winner === 'holder-0' ? 'holder-1' : 'holder-0';
    await expect(renewGovernor(services, 'g-contended', other, 120_000)).rejects.toMatchObject({ code: 'GOVERNOR_BUSY', holder: winner });
    await expect(releaseGovernor(services, 'g-contended', { actor: other, holder: other })).rejects.toBeInstanceOf(GovernorBusyError);
    expect(await getGovernor(services.db, 'g-contended')).toMatchObject({ holder: winner, leaseExpiresAt: renewed.leaseExpiresAt });

    const forced = await releaseGovernor(services, 'g-contended', { actor: 'ops', reason: 'holder crashed', force: true });
    expect(forced).toMatchObject({ pending: false, governor: { holder: null, holderJobId: null, leaseExpiresAt: null } });
    const [last] = await governorHistory('g-contended');
    expect(last).toMatchObject({ operation: 'forceRelease', actor: 'ops', reason: 'holder crashed', before: { holder: winner }, after: { holder: null } });
    // Free again: someone else can take it.
    expect(await tryAcquireGovernor(services, 'g-contended', other, { leaseMs: 60_000 })).toMatchObject({ holder: other });
    await releaseGovernor(services, 'g-contended', { actor: other, holder: other });
  });

  it('marks a busy governor pending when asked to', async () => {
    const { services } = db();
    await tryAcquireGovernor(services, 'g-mark', 'first', { leaseMs: 60_000 });
    await expect(tryAcquireGovernor(services, 'g-mark', 'second', { leaseMs: 60_000 })).rejects.toBeInstanceOf(GovernorBusyError);
    expect(await getGovernor(services.db, 'g-mark')).toMatchObject({ holder: 'first', pending: false });
    await expect(tryAcquireGovernor(services, 'g-mark', 'second', { leaseMs: 60_000, markPendingIfBusy: true })).rejects.toBeInstanceOf(
      GovernorBusyError,
    );
    expect(await getGovernor(services.db, 'g-mark')).toMatchObject({ holder: 'first', pending: true });
    // The holder learns at release that a run was asked for meanwhile.
    expect(await releaseGovernor(services, 'g-mark', { actor: 'first', holder: 'first' })).toMatchObject({ pending: true, governor: { holder: null } });
    // Told once: the next holder's release reports nothing pending.
    expect(await getGovernor(services.db, 'g-mark')).toMatchObject({ pending: false });
    await tryAcquireGovernor(services, 'g-mark', 'third', { leaseMs: 60_000 });
    expect(await releaseGovernor(services, 'g-mark', { actor: 'third', holder: 'third' })).toMatchObject({ pending: false });
  });

  it('remembers a run asked for while the governor is held, and enqueues it once on release', async () => {
    const { services } = db();
    await tryAcquireGovernor(services, 'g-request', 'nightly-report', { leaseMs: 60_000 });
    const asks = [
      await requestGovernorRun(services, 'g-request', { kind: 'test.noop', queue: 'g-request-q' }, by),
      await requestGovernorRun(services, 'g-request', { kind: 'test.noop', queue: 'g-request-q' }, by),
    ];
    expect(asks).toEqual([
      { job: null, pending: true },
      { job: null, pending: true },
    ]);
    expect(await jobsOf('g-request-q')).toEqual([]);
    expect(await getGovernor(services.db, 'g-request')).toMatchObject({ holder: 'nightly-report', pending: true });
    expect((await governorHistory('g-request')).filter((e) => e.operation === 'requestRun')).toHaveLength(2);

    const released = await releaseGovernor(services, 'g-request', { actor: 'nightly-report', holder: 'nightly-report' });
    expect(released.pending).toBe(true);
    const jobs = await jobsOf('g-request-q');
    expect(jobs).toHaveLength(1);
    expect(jobs[0]).toMatchObject({ kind: 'test.noop', status: 'queued', governorKey: 'g-request', createdBy: 'governor' });
    expect(await getGovernor(services.db, 'g-request')).toMatchObject({ holder: null, pending: false });
    // Nothing left pending: healing does not enqueue a second copy.
    await healGovernors(services, { actor: 'supervisor' });
    expect(await jobsOf('g-request-q')).toHaveLength(1);
  });

  it('runs jobs with the same governor key one at a time across workers', async () => {
    const { services, database } = db();
    const workers = [
      await startTestWorker(services, database, { queues: ['g-serial-q'] }),
      await startTestWorker(services, database, { queues: ['g-serial-q'] }),
    ];
    try {
      const ids = (await enqueueJobs(services, Array.from({ length: 5 }, () => ({ kind: 'test.hold', queue: 'g-serial-q', governorKey: 'g-serial', payload: { ms: 100 } })), by)).map(
        (r) => r.job.id,
      );
      // While one runs, the governor names it.
      await waitFor(
        async () => {
          const governor = await getGovernor(services.db, 'g-serial');
          if (governor.holderJobId === null || !ids.includes(governor.holderJobId)) return false;
          const job = await getJob(services.db, governor.holderJobId);
          return job.status === 'running' && governor.holder === `job:${job.runId}`;
        },
        { what: 'the governor to name the running job', intervalMs: 5 },
      );
      const jobs = await waitFor(
        async () => {
          const jobs = await Promise.all(ids.map((id) => getJob(services.db, id)));
          return jobs.every((j) => j.status === 'completed') ? jobs : null;
        },
        { what: 'all five jobs to complete' },
      );
      expect(maxOverlap(jobs.map((j) => j.result as unknown as RunInterval))).toBe(1);
      expect(await getGovernor(services.db, 'g-serial')).toMatchObject({ holder: null, holderJobId: null, leaseExpiresAt: null });
      const operations = (await governorHistory('g-serial')).map((e) => e.operation);
      expect(operations.filter((op) => op === 'acquire')).toHaveLength(5);
      expect(operations.filter((op) => op === 'release')).toHaveLength(5);
    } finally {
      await Promise.all(workers.map((w) => w.stop()));
    }
  });

  it('heals a governor whose lease expired', async () => {
    const { services } = db();
    await tryAcquireGovernor(services, 'g-expired', 'ghost', { leaseMs: 1 });
    const healed = await waitFor(
      async () => (await healGovernors(services, { actor: 'supervisor' })).find((g) => g.name === 'g-expired'),
      { what: 'the expired governor to be healed' },
    );
    expect(healed).toMatchObject({ holder: null, leaseExpiresAt: null });
    expect(await getGovernor(services.db, 'g-expired')).toMatchObject({ holder: null });
    const [last] = await governorHistory('g-expired');
    expect(last).toMatchObject({ operation: 'heal', actor: 'supervisor', before: { holder: 'ghost' }, after: { holder: null }, reason: 'holder gone' });
  });

  it('heals a governor whose holder job is no longer running', async () => {
    const { services } = db();
    const { job } = await enqueueJob(services, { kind: 'test.noop', queue: 'g-orphan-q', governorKey: 'g-orphan' }, by);
    const [claimed] = (await claimJobs(services, { workerId: 'g-test', queues: ['g-orphan-q'], kinds: ['test.noop'], limit: 1, leaseMs: 60_000 })).jobs;
    expect(claimed?.id).toBe(job.id);
    expect(await getGovernor(services.db, 'g-orphan')).toMatchObject({ holderJobId: job.id, holder: `job:${job.runId}` });
    // No service leaves a governor held by a job that stopped (every transition releases it);
    // this is the state a manual fix in SQL, or a bug, would leave behind.
    await services.db.execute(sql`update jobs set status = 'failed', lease_token = null, lease_expires_at = null where id = ${job.id}`);
    // Its lease is far from expired: the holder's status alone must be enough.
    expect((await getGovernor(services.db, 'g-orphan')).leaseExpiresAt!.getTime()).toBeGreaterThan(Date.now() + 30_000);

    const healed = await healGovernors(services, { actor: 'supervisor', reason: 'holder job stopped' });
    expect(healed.map((g) => g.name)).toContain('g-orphan');
    expect(await getGovernor(services.db, 'g-orphan')).toMatchObject({ holder: null, holderJobId: null });
    const [last] = await governorHistory('g-orphan');
    expect(last).toMatchObject({ operation: 'heal', actor: 'supervisor', reason: 'holder job stopped', before: { holder: `job:${job.runId}` } });
    // Nothing else to heal now.
    expect((await healGovernors(services, { actor: 'supervisor' })).map((g) => g.name)).not.toContain('g-orphan');
  });
});
