// The supervisor across real processes (server mode): `pressroom supervisor` and `pressroom
// worker` each run a runner; one ticks; when it is killed the other takes over within one lease,
// and when it stops gracefully it hands the governor over at once.
import { afterEach, describe, expect, it, onTestFailed } from 'vitest';
import { getGovernor, listHistory, listJobs } from '../src/services/index.ts';
import { createSchedule } from '../src/services/engine/schedules.ts';
import { listSupervisorTicks, type SupervisorTick } from '../src/services/engine/supervisor/index.ts';
import { serverMode, useTestDatabase } from './support/db.ts';
import { waitFor } from './support/wait.ts';
import { spawnWorkerProcess, type WorkerProcess } from './support/workers.ts';

const INTERVAL_MS = 200;
const LEASE_MS = 1_500;

/** The pid in a runner id: supervisor-<host>-<pid>-<hex>. */
const pidOf = (holder: string) => Number(/-(\d+)-[0-9a-f]{6}$/.exec(holder)?.[1]);

describe.runIf(serverMode)('supervisor processes', () => {
  const db = useTestDatabase();
  const processes: WorkerProcess[] = [];

  async function start(command: 'supervisor' | 'worker'): Promise<WorkerProcess> {
    const child = spawnWorkerProcess(
      db(),
      { PRESSROOM_SUPERVISOR_INTERVAL_MS: String(INTERVAL_MS), PRESSROOM_SUPERVISOR_LEASE_MS: String(LEASE_MS), PRESSROOM_WORKER_QUEUES: 'sup-none' },
      command,
    );
    processes.push(child);
    onTestFailed(() => console.warn(`output of ${command} process ${child.child.pid}:\n${child.output().slice(-5_000)}`));
    await child.waitForOutput(/supervisor runner started/);
    return child;
  }

  /** Scheduled ticks, oldest first. */
  const ticks = async (): Promise<SupervisorTick[]> => (await listSupervisorTicks(db().services.db, 500)).filter((t) => t.trigger === 'schedule').reverse();

  afterEach(async () => {
    await Promise.all(processes.splice(0).map((p) => p.stop('SIGKILL')));
  });

  it('ticks in one of two processes; SIGKILL that one and the other takes over within one lease', async () => {
    const [a, b] = await Promise.all([start('supervisor'), start('supervisor')]);
    const before = await waitFor(async () => {
      const all = await ticks();
      return all.length >= 8 && all;
    }, { what: 'eight ticks' });
    expect(new Set(before.map((t) => t.holder)).size).toBe(1);
    const holder = before[0]!.holder;
    const ticking = [a, b].find((p) => p.child.pid === pidOf(holder))!;
    const other = ticking === a ? b : a;
    expect(ticking).toBeDefined();

    ticking.child.kill('SIGKILL');
    const killed = Date.now();
    expect(await ticking.exited).toBeNull();

    const after = await waitFor(async () => {
      const all = await ticks();
      const taken = all.filter((t) => t.holder !== holder);
      return taken.length >= 3 && taken;
    }, { timeoutMs: 10_000, what: 'the other process to tick' });
    const heir = after[0]!.holder;
    expect(pidOf(heir)).toBe(other.child.pid);
    expect(new Set(after.map((t) => t.holder))).toEqual(new Set([heir]));
    // Within one lease of the kill (give or take an attempt): at once when the other sees the dead
    // one's session end (test/deadWorkers.test.ts), when its lease lapses at the latest.
    expect(after[0]!.startedAt.getTime() - killed).toBeLessThanOrEqual(LEASE_MS + INTERVAL_MS + 500);
    // The dead process ticked no more after it was killed.
    expect((await ticks()).filter((t) => t.holder === holder && t.startedAt.getTime() > killed)).toEqual([]);
    const acquires = (await listHistory(db().services.db, { targetType: 'governor', targetId: 'heartbeat', operation: 'acquire' }, { first: 100 })).entries;
    expect(acquires.map((e) => e.actor).reverse()).toEqual([holder, heir]);
  });

  it('a worker process runs a runner too; stopped with SIGTERM it hands the governor over at once', async () => {
    const worker = await start('worker');
    const held = await waitFor(async () => {
      const governor = await getGovernor(db().services.db, 'heartbeat').catch(() => null);
      return governor?.holder && pidOf(governor.holder) === worker.child.pid && governor.leaseExpiresAt! > new Date() ? governor : null;
    }, { what: 'the worker process to supervise' });
    const supervisor = await start('supervisor');

    expect(await worker.stop('SIGTERM')).toBe(0);
    const stopped = Date.now();
    const released = (await listHistory(db().services.db, { targetType: 'governor', targetId: 'heartbeat', operation: 'release' }, { first: 1 })).entries[0];
    expect(released).toMatchObject({ actor: held.holder, reason: 'supervisor stopping' });
    const [next] = await waitFor(async () => {
      const taken = (await ticks()).filter((t) => pidOf(t.holder) === supervisor.child.pid);
      return taken.length > 0 && taken;
    }, { what: 'the supervisor process to tick' });
    // Released, not lapsed: taken over at the next attempt, well before a lease.
    expect(next!.startedAt.getTime() - stopped).toBeLessThan(LEASE_MS);
  });

  it('fires each slot of a schedule once with two supervisor processes running', async () => {
    await Promise.all([start('supervisor'), start('supervisor')]);
    const name = 'every-second';
    // Six fields: seconds first. Slots come every second; ticks every 200 ms in either process.
    await createSchedule(db().services, { name, cron: '* * * * * *', kind: 'sched.every', queue: 'sup-none' }, { actor: 'test' });
    const fires = await waitFor(async () => {
      const { entries } = await listHistory(db().services.db, { targetType: 'schedule', targetId: name, operation: 'fire' }, { first: 100 });
      return entries.length >= 5 && entries;
    }, { timeoutMs: 20_000, what: 'five fired slots' });
    const slots = fires.map((entry) => (entry.after as { slot: string }).slot);
    expect(new Set(slots).size).toBe(slots.length);
    // One job per fired slot, and none without a fire.
    const { jobs } = await listJobs(db().services.db, { kind: 'sched.every' }, { first: 200 });
    const firedJobIds = new Set(fires.map((entry) => (entry.after as { jobId: number }).jobId));
    expect(jobs.filter((job) => !firedJobIds.has(job.id) && job.createdAt <= fires[0]!.at)).toEqual([]);
    expect(new Set(jobs.map((job) => job.dedupeKey)).size).toBe(jobs.length);
  });
});
