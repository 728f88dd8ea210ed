// The supervisor: one runner of many ticks (under the heartbeat governor), a lapsed holder is
// replaced, and each task of a tick: lease recovery, dead workers, governor healing and pending
// runs, stuck-work alerts, retention purge; a failing task does not stop the others; a manual
// tick through the API, and ticks streamed live.
import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startApiServer, type ApiServer } from '../src/api/server.ts';
import { query } from '../src/db/client.ts';
import { listAlerts } from '../src/services/engine/alerts.ts';
import { createApiKey } from '../src/services/engine/apiKeys.ts';
import {
  cancelJob,
  claimJobs,
  completeRuns,
  enqueueJob,
  failRun,
  forceFailJob,
  getGovernor,
  getJob,
  listHistory,
  listWorkers,
  registerWorker,
  requestGovernorRun,
  tryAcquireGovernor,
  type Job,
} from '../src/services/index.ts';
import {
  detectStuckWork,
  getSupervisorState,
  listSupervisorTicks,
  purgeByRetention,
  runSupervisorTick,
  supervisorSettings,
  type SupervisorSettings,
  type SupervisorTick,
} from '../src/services/engine/supervisor/index.ts';
import { SupervisorRunner } from '../src/worker/supervisor.ts';
import { useTestDatabase } from './support/db.ts';
import { subscribeSse } from './support/subscriptions.ts';
import { nextEvent, waitFor } from './support/wait.ts';

const db = useTestDatabase();
const by = { actor: 'test', reason: 'supervisor test' };

/**
 * Fast runners: a tick every 100 ms, a lease of 2 s (embedded PostgreSQL runs on the test's own
 * thread: a busy tick there delays the timers that renew the lease).
 */
const FAST: Partial<SupervisorSettings> = { supervisorIntervalMs: 100, supervisorLeaseMs: 2_000 };
const settings = (overrides: Partial<SupervisorSettings> = {}): SupervisorSettings => ({ ...supervisorSettings(db().services), ...FAST, ...overrides });

const runners: SupervisorRunner[] = [];
function runner(id: string, overrides: Partial<SupervisorSettings> = {}): SupervisorRunner {
  const r = new SupervisorRunner({ services: db().services, id, settings: { ...FAST, ...overrides } });
  runners.push(r);
  r.start();
  return r;
}

afterEach(async () => {
  await Promise.all(runners.splice(0).map((r) => r.stop()));
});

const tick = (overrides: Partial<SupervisorSettings> = {}) =>
  runSupervisorTick(db().services, { holder: 'test-tick', trigger: 'schedule', settings: settings(overrides) });

/** Ticks recorded by any of `holders`, oldest first. */
async function ticksOf(...holders: string[]): Promise<SupervisorTick[]> {
  return (await listSupervisorTicks(db().services.db, 500)).filter((t) => holders.includes(t.holder)).reverse();
}

/** Waits until `holder` has recorded `count` more ticks than it had at the call. */
async function moreTicks(holder: string, count: number): Promise<SupervisorTick[]> {
  const before = (await ticksOf(holder)).length;
  return waitFor(async () => {
    const ticks = await ticksOf(holder);
    return ticks.length >= before + count && ticks;
  }, { what: `${count} more ticks by ${holder}` });
}

const historyOf = async (targetType: string, targetId: string) =>
  (await listHistory(db().services.db, { targetType, targetId }, { first: 500 })).entries.reverse();

async function claimOne(queue: string, leaseMs: number, workerId = 'w-gone'): Promise<Job> {
  const [job] = (await claimJobs(db().services, { workerId, queues: [queue], kinds: ['sup.test'], limit: 1, leaseMs })).jobs;
  if (!job) throw new Error(`nothing to claim in ${queue}`);
  return job;
}

describe('the supervisor runner', () => {
  it('ticks in one runner only, however many run', async () => {
    // A lease far longer than any stall of a busy machine: only a stop hands the ticks over here.
    const a = runner('sup-a', { supervisorLeaseMs: 30_000 });
    const b = runner('sup-b', { supervisorLeaseMs: 30_000 });
    const ticks = await waitFor(async () => {
      const all = await ticksOf('sup-a', 'sup-b');
      return all.length >= 6 && all;
    }, { what: 'six ticks' });
    const holders = new Set(ticks.map((t) => t.holder));
    expect(holders.size).toBe(1);
    const holder = [a, b].find((r) => r.id === [...holders][0])!;
    const other = holder === a ? b : a;
    expect(holder.isHolder).toBe(true);
    expect(other.isHolder).toBe(false);
    expect(other.tickCount).toBe(0);
    expect(ticks.every((t) => t.trigger === 'schedule')).toBe(true);
    // Ticks follow the interval, not the attempts of the runner that waits.
    for (let i = 1; i < ticks.length; i++) expect(ticks[i]!.startedAt.getTime() - ticks[i - 1]!.startedAt.getTime()).toBeGreaterThanOrEqual(90);

    const state = await getSupervisorState(db().services.db, settings());
    expect(state.holder).toBe(holder.id);
    expect(state.leaseExpiresAt!.getTime()).toBeGreaterThan(Date.now() - 1_000);
    expect(state.nextTickAt).toBeInstanceOf(Date);

    // Renewals record nothing: the heartbeat governor's history shows one acquire.
    const acquires = (await historyOf('governor', 'heartbeat')).filter((e) => e.operation === 'acquire' && ['sup-a', 'sup-b'].includes(e.actor));
    expect(acquires).toHaveLength(1);

    // Stop releases the governor: the other runner takes over at its next attempt.
    await holder.stop();
    expect((await getGovernor(db().services.db, 'heartbeat')).holder).not.toBe(holder.id);
    await moreTicks(other.id, 2);
    expect(other.isHolder).toBe(true);
  });

  it('replaces a holder whose lease lapses (its process died) within one lease', async () => {
    const doomed = runner('sup-doomed');
    await moreTicks('sup-doomed', 1);
    const heir = runner('sup-heir');
    await moreTicks('sup-doomed', 2);
    expect(heir.tickCount).toBe(0);

    // Dies: no more ticks, no renewals, no release.
    await doomed.stop({ release: false });
    const died = Date.now();
    const { leaseExpiresAt } = await getGovernor(db().services.db, 'heartbeat');
    const [first] = await moreTicks('sup-heir', 1);
    const tookOver = (await ticksOf('sup-heir'))[0]!.startedAt.getTime();
    // Within one lease of its last renewal, give or take an attempt interval and a slow tick start.
    expect(tookOver - died).toBeLessThanOrEqual(2_000 + 500);
    expect(tookOver).toBeGreaterThanOrEqual(leaseExpiresAt!.getTime() - 50);
    expect(first).toBeDefined();
    expect(heir.isHolder).toBe(true);
    const lastDoomed = (await ticksOf('sup-doomed')).at(-1)!;
    expect(lastDoomed.startedAt.getTime()).toBeLessThan(tookOver);
  });
});

describe('the tasks of a tick', () => {
  it('recovers a job whose worker died (its lease expired) once, and marks the worker dead', async () => {
    await registerWorker(db().services, { id: 'w-died', host: 'gone', pid: 1, queues: ['sup-recover'], concurrency: 1 });
    const { job } = await enqueueJob(db().services, { kind: 'sup.test', queue: 'sup-recover', maxAttempts: 3 }, by);
    await claimOne('sup-recover', 300, 'w-died');
    runner('sup-recoverer', { workerDeadAfterMs: 300 });

    const recovered = await waitFor(async () => {
      const current = await getJob(db().services.db, job.id);
      return current.status === 'queued' && current;
    }, { what: 'the job to be recovered' });
    expect(recovered).toMatchObject({ attempts: 1, leaseToken: null, workerId: 'w-died' });
    expect(recovered.lastError?.message).toMatch(/lease expired/);
    // Several ticks later: recovered once.
    await moreTicks('sup-recoverer', 3);
    const expired = (await historyOf('job', String(job.id))).filter((e) => e.operation === 'expireLease');
    expect(expired).toHaveLength(1);
    expect(expired[0]).toMatchObject({ actor: 'supervisor', after: expect.objectContaining({ status: 'queued', workerId: 'w-died' }) });

    const dead = await waitFor(async () => (await listWorkers(db().services.db, { includeStopped: true })).find((w) => w.id === 'w-died' && w.status === 'dead'), {
      what: 'the worker to be marked dead',
    });
    expect(dead).toBeDefined();
    expect((await historyOf('worker', 'w-died')).filter((e) => e.operation === 'markDead')).toEqual([expect.objectContaining({ actor: 'supervisor' })]);
    const withRecovery = (await ticksOf('sup-recoverer')).find((t) => t.results.recoverLeases?.ok && t.results.recoverLeases.counts.recovered === 1);
    expect(withRecovery?.results.recoverLeases).toMatchObject({ ok: true, counts: { recovered: 1, requeued: 1, failed: 0 } });
  });

  it('heals a governor whose holder died, and starts the run that was pending on it', async () => {
    await tryAcquireGovernor(db().services, 'sup-print', 'holder-died', { leaseMs: 60_000 });
    const asked = await requestGovernorRun(db().services, 'sup-print', { kind: 'sup.test', queue: 'sup-heal' }, by);
    expect(asked).toEqual({ job: null, pending: true });
    // The holder dies: its lease runs out (set here rather than waited for, so a busy machine cannot expire it early).
    await db().services.db.execute(sql`update governors set lease_expires_at = now() - interval '1 second' where name = 'sup-print'`);
    runner('sup-healer');

    const healed = await waitFor(async () => {
      const governor = await getGovernor(db().services.db, 'sup-print');
      return governor.holder === null && !governor.pending && governor;
    }, { what: 'the governor to be healed' });
    expect(healed.leaseExpiresAt).toBeNull();
    await moreTicks('sup-healer', 3);
    const heals = (await historyOf('governor', 'sup-print')).filter((e) => e.operation === 'heal');
    expect(heals).toEqual([expect.objectContaining({ actor: 'supervisor', before: { holder: 'holder-died' }, after: { holder: null } })]);
    // The pending run, enqueued once.
    const [row] = await query<{ count: string | number }>(db().services.db, sql`select count(*) as count from jobs where queue = 'sup-heal'`);
    expect(Number(row!.count)).toBe(1);
    // The heartbeat governor is the supervisor's own: never healed by it.
    expect((await historyOf('governor', 'heartbeat')).filter((e) => e.operation === 'heal')).toEqual([]);
  });

  it('raises one alert per stuck job across ticks, and resolves it once the job is no longer stuck', async () => {
    const { job: waiting } = await enqueueJob(db().services, { kind: 'sup.test', queue: 'sup-stuck-q' }, by);
    await db().services.db.execute(sql`update jobs set run_at = now() - interval '2 hours' where id = ${waiting.id}`);
    await enqueueJob(db().services, { kind: 'sup.test', queue: 'sup-stuck-r' }, by);
    const hanging = await claimOne('sup-stuck-r', 600_000, 'w-hangs');
    await db().services.db.execute(sql`update jobs set heartbeat_at = now() - interval '1 hour' where id = ${hanging.id}`);
    // Fresh work is not stuck.
    const { job: fresh } = await enqueueJob(db().services, { kind: 'sup.test', queue: 'sup-stuck-q' }, by);
    const thresholds = { stuckRunningMs: 30 * 60_000, stuckQueuedMs: 60 * 60_000 };

    const report = await detectStuckWork(db().services, { dryRun: true, settings: settings(thresholds) }, by);
    expect(report.queued.map((j) => j.jobId)).toContain(waiting.id);
    expect(report.queued.map((j) => j.jobId)).not.toContain(fresh.id);
    expect(report.running.map((j) => j.jobId)).toContain(hanging.id);
    expect(report.running.find((j) => j.jobId === hanging.id)).toMatchObject({ workerId: 'w-hangs', status: 'running' });
    expect(report.running.find((j) => j.jobId === hanging.id)!.forMs).toBeGreaterThan(59 * 60_000);
    expect(report).toMatchObject({ dryRun: true, alerted: 0, raised: 0, resolved: 0 });
    const alertsOf = async (jobId: number) =>
      (await listAlerts(db().services.db, { first: 100 })).alerts.filter((a) => a.targetType === 'job' && a.targetId === String(jobId));
    expect(await alertsOf(waiting.id)).toEqual([]);

    for (let i = 0; i < 3; i++) {
      const t = await tick(thresholds);
      expect(t.results.detectStuckWork).toMatchObject({ ok: true });
    }
    expect(await alertsOf(waiting.id)).toEqual([expect.objectContaining({ kind: 'stuck_queued', severity: 'warning', resolvedAt: null })]);
    expect(await alertsOf(hanging.id)).toEqual([expect.objectContaining({ kind: 'stuck_running', severity: 'critical', resolvedAt: null })]);
    expect(await alertsOf(fresh.id)).toEqual([]);

    // No longer stuck: the alert is resolved, and not raised again.
    await cancelJob(db().services, waiting.id, by);
    await tick(thresholds);
    await tick(thresholds);
    const [resolved] = await alertsOf(waiting.id);
    expect(resolved!.resolvedAt).toBeInstanceOf(Date);
    expect(await alertsOf(waiting.id)).toHaveLength(1);
    expect((await alertsOf(hanging.id))[0]!.resolvedAt).toBeNull();
    await forceFailJob(db().services, hanging.id, by);
    await tick(thresholds);
    expect((await alertsOf(hanging.id))[0]!.resolvedAt).toBeInstanceOf(Date);
  });

  it('purges exactly what is older than the retention settings, counting first in a dry run', async () => {
    const services = db().services;
    const finished = async (outcome: 'completed' | 'failed' | 'cancelled', daysAgo: number) => {
      const { job } = await enqueueJob(services, { kind: 'sup.test', queue: 'sup-purge', maxAttempts: 1 }, by);
      if (outcome === 'cancelled') await cancelJob(services, job.id, by);
      else {
        const run = await claimOne('sup-purge', 60_000, 'w-purge');
        if (outcome === 'completed') await completeRuns(services, 'w-purge', [{ jobId: run.id, leaseToken: run.leaseToken!, result: null, metrics: {} }]);
        else await failRun(services, { jobId: run.id, leaseToken: run.leaseToken!, workerId: 'w-purge', message: 'no', errorClass: 'fatal' });
      }
      await services.db.execute(sql`update jobs set finished_at = now() - ${daysAgo} * interval '1 day' where id = ${job.id}`);
      expect((await getJob(services.db, job.id)).status).toBe(outcome);
      return job.id;
    };
    const retention = { retentionCompletedJobsDays: 7, retentionFailedJobsDays: 30, retentionHistoryDays: 90 };
    const oldCompleted = await finished('completed', 8);
    const keptCompleted = await finished('completed', 6);
    const oldFailed = await finished('failed', 31);
    const keptFailed = await finished('failed', 29);
    const oldCancelled = await finished('cancelled', 31);
    const keptCancelled = await finished('cancelled', 8);
    // History: the entries of one job, aged past and short of the retention.
    const entries = await historyOf('job', String(keptCompleted));
    expect(entries.length).toBeGreaterThanOrEqual(3);
    const [oldest, ...rest] = entries;
    await services.db.execute(sql`update history set at = now() - interval '91 days' where id = ${oldest!.id}`);
    await services.db.execute(sql`update history set at = now() - interval '89 days' where id = ${rest[0]!.id}`);

    const counted = await purgeByRetention(services, { dryRun: true, settings: retention }, by);
    expect(counted).toEqual({ dryRun: true, completedJobs: 1, failedJobs: 1, cancelledJobs: 1, history: 1 });
    // A dry run changes nothing.
    expect(await purgeByRetention(services, { dryRun: true, settings: retention }, by)).toEqual(counted);

    const t = await tick(retention);
    expect(t.results.purge).toEqual({ ok: true, durationMs: expect.any(Number), counts: { completedJobs: 1, failedJobs: 1, cancelledJobs: 1, history: 1 } });
    const rows = await query<{ id: number | string }>(services.db, sql`select id from jobs where queue = 'sup-purge' order by id`);
    const ids = rows.map((r) => Number(r.id));
    expect(ids).toEqual([keptCompleted, keptFailed, keptCancelled].sort((a, b) => a - b));
    expect([oldCompleted, oldFailed, oldCancelled].some((id) => ids.includes(id))).toBe(false);
    const left = await historyOf('job', String(keptCompleted));
    expect(left.map((e) => e.id)).toEqual(rest.map((e) => e.id));
    const purges = (await historyOf('supervisor', 'retention')).filter((e) => e.operation === 'purge');
    expect(purges.at(-1)).toMatchObject({ actor: 'supervisor', after: expect.objectContaining({ deleted: { completedJobs: 1, failedJobs: 1, cancelledJobs: 1, history: 1 } }) });
    // Nothing older is left: the next purge finds nothing, and records nothing.
    expect(await purgeByRetention(services, { dryRun: false, settings: retention }, by)).toEqual({ dryRun: false, completedJobs: 0, failedJobs: 0, cancelledJobs: 0, history: 0 });
    expect((await historyOf('supervisor', 'retention')).filter((e) => e.operation === 'purge')).toHaveLength(purges.length);
  });

  it('records a failing task with its error and still runs the others', async () => {
    const t = await runSupervisorTick(db().services, {
      holder: 'test-tick',
      trigger: 'schedule',
      settings: settings(),
      tasks: [
        ['first', async () => ({ done: 1 })],
        ['broken', async () => Promise.reject(new Error('printer on fire'))],
        ['last', async () => ({ done: 2 })],
      ],
    });
    expect(t.results).toEqual({
      first: { ok: true, durationMs: expect.any(Number), counts: { done: 1 } },
      broken: { ok: false, durationMs: expect.any(Number), error: 'printer on fire' },
      last: { ok: true, durationMs: expect.any(Number), counts: { done: 2 } },
    });
    expect((await listSupervisorTicks(db().services.db, 1))[0]).toMatchObject({ id: t.id, results: t.results });
  });

  it('keeps the last 500 ticks', async () => {
    await db().services.db.execute(
      sql`insert into supervisor_ticks (holder, started_at, finished_at, duration_ms, results, trigger)
          select 'filler', now(), now(), 0, '{}'::jsonb, 'schedule' from generate_series(1, 520)`,
    );
    const t = await tick();
    const [row] = await query<{ count: string | number; min: string | number }>(db().services.db, sql`select count(*) as count, min(id) as min from supervisor_ticks`);
    expect(Number(row!.count)).toBe(500);
    expect(Number(row!.min)).toBe(t.id - 499);
  });
});

describe('through the API', () => {
  let api: ApiServer;
  const keys: Record<string, string> = {};
  beforeAll(async () => {
    api = await startApiServer({ services: db().services, host: '127.0.0.1', port: 0, production: false });
    for (const role of ['viewer', 'operator', 'admin'] as const) keys[role] = (await createApiKey(db().services, { name: `sup-${role}`, role }, by)).key;
  });
  afterAll(async () => {
    await api?.close();
  });

  async function gql(document: string, role: string, variables: Record<string, unknown> = {}) {
    const response = await fetch(api.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${keys[role]}` },
      body: JSON.stringify({ query: document, variables }),
    });
    const body = (await response.json()) as { data?: any; errors?: unknown[] };
    expect(body.errors, JSON.stringify(body.errors)).toBeUndefined();
    return body.data;
  }

  it('runs a manual tick, recorded with who asked; the supervisor query shows it', async () => {
    const heard = nextEvent<{ tick: SupervisorTick }>((l) => db().services.bus.subscribe('supervisor:tick', l), (e) => e.tick.trigger === 'manual');
    await db().services.bus.subscribed('supervisor:tick');
    const { runSupervisorTick: ran } = await gql(
      `mutation { runSupervisorTick(reason: "checking") { __typename ... on SupervisorTick { id holder trigger durationMs results failedTasks } ... on Error { message } } }`,
      'operator',
    );
    expect(ran).toMatchObject({ __typename: 'SupervisorTick', holder: 'manual:sup-operator', trigger: 'manual', failedTasks: [] });
    expect(Object.keys(ran.results).sort()).toEqual(
      ['recoverLeases', 'markDeadWorkers', 'healGovernors', 'startPendingRuns', 'promoteDueRetries', 'fireSchedules', 'detectStuckWork', 'detectUnservedKinds', 'purge', 'rollupMetrics'].sort(),
    );
    expect(Number((await heard).tick.id)).toBe(Number(ran.id));
    const [entry] = (await listHistory(db().services.db, { operation: 'runTick' }, { first: 1 })).entries;
    expect(entry).toMatchObject({ actor: 'sup-operator', reason: 'checking', targetType: 'supervisor', after: expect.objectContaining({ tickId: Number(ran.id) }) });

    const { supervisor } = await gql(`{ supervisor { holder leaseExpiresAt nextTickAt intervalMs lastTicks(first: 1) { id trigger holder } } }`, 'viewer');
    expect(supervisor.lastTicks).toEqual([{ id: ran.id, trigger: 'manual', holder: 'manual:sup-operator' }]);

    // A viewer may not tick.
    const { runSupervisorTick: refused } = await gql(`mutation { runSupervisorTick { __typename } }`, 'viewer');
    expect(refused).toEqual({ __typename: 'ForbiddenError' });
  });

  it('reports stuck work as a dry run by default, and purges only as admin', async () => {
    const { detectStuckWork: report } = await gql(`mutation { detectStuckWork { __typename ... on StuckWorkReport { dryRun alerted } } }`, 'operator');
    expect(report).toEqual({ __typename: 'StuckWorkReport', dryRun: true, alerted: 0 });
    const { purge: counted } = await gql(`mutation { purge { __typename ... on PurgeReport { dryRun completedJobs } } }`, 'admin');
    expect(counted).toMatchObject({ __typename: 'PurgeReport', dryRun: true });
    const { purge: refused } = await gql(`mutation { purge(dryRun: false) { __typename } }`, 'operator');
    expect(refused).toEqual({ __typename: 'ForbiddenError' });
  });

  it('streams ticks: the last one first, then each new one', async () => {
    const last = await tick();
    const sub = subscribeSse(api.url, `subscription { supervisorTicks { id trigger holder } }`, {}, { authorization: `Bearer ${keys.viewer}` });
    try {
      expect((await sub.feed.nextData()).supervisorTicks).toEqual({ id: String(last.id), trigger: 'schedule', holder: 'test-tick' });
      const r = runner('sup-streamed');
      const next = await sub.feed.until((data: any) => data.supervisorTicks.holder === r.id);
      expect(Number(next.supervisorTicks.id)).toBeGreaterThan(last.id);
    } finally {
      sub.stop();
    }
  });
});
