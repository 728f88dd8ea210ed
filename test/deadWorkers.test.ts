// A worker process that dies is found from PostgreSQL itself (its session, and the advisory lock
// it held, end with the process): its job runs again long before its lease would have expired.
// So does a worker process that was also the one supervising: another process takes the supervisor
// over as soon as the dead one's session ends, not when its lease lapses. A worker that is alive
// but frozen keeps its job. Server mode only (embedded: one process).
import { afterEach, describe, expect, it, onTestFailed } from 'vitest';
import { enqueueJob, getJob, listHistory, listWorkers } from '../src/services/index.ts';
import { getSupervisorState, listSupervisorTicks } from '../src/services/engine/supervisor/index.ts';
import { serverMode, useTestDatabase } from './support/db.ts';
import { waitFor } from './support/wait.ts';
import { spawnWorkerProcess, type WorkerProcess } from './support/workers.ts';

const by = { actor: 'test' };
/** The default job lease: recovery by lease expiry would take this long. */
const LEASE_MS = 30_000;

describe.runIf(serverMode)('dead workers', () => {
  const db = useTestDatabase();
  const processes: WorkerProcess[] = [];

  async function startWorkerProcess(queue: string, env: Record<string, string> = {}): Promise<WorkerProcess> {
    const worker = spawnWorkerProcess(db(), { PRESSROOM_WORKER_QUEUES: queue, PRESSROOM_LEASE_MS: String(LEASE_MS), ...env });
    processes.push(worker);
    onTestFailed(() => console.warn(`output of worker process ${worker.child.pid}:\n${worker.output().slice(-5_000)}`));
    await worker.waitForOutput(/worker started/);
    return worker;
  }

  const workerIdOf = async (worker: WorkerProcess) => (await listWorkers(db().services.db)).find((w) => w.pid === worker.child.pid)!.id;

  const runningOn = (jobId: number) =>
    waitFor(async () => {
      const job = await getJob(db().services.db, jobId);
      return job.status === 'running' && job.workerId !== null && job;
    }, { what: 'the job to be running' });

  afterEach(async () => {
    await Promise.all(processes.splice(0).map((worker) => worker.stop('SIGKILL')));
  });

  it('a worker killed mid-job: marked dead and its job run again on another worker, long before its lease expires', async () => {
    const doomed = await startWorkerProcess('dead-kill');
    const { job } = await enqueueJob(db().services, { kind: 'test.crashable', queue: 'dead-kill', payload: { completeOnAttempt: 2 } }, by);
    const running = await runningOn(job.id);
    const rescuer = await startWorkerProcess('dead-kill');
    const rescuerId = await workerIdOf(rescuer);

    doomed.child.kill('SIGKILL');
    const killed = Date.now();
    const completed = await waitFor(async () => {
      const current = await getJob(db().services.db, job.id);
      return current.status === 'completed' && current;
    }, { timeoutMs: LEASE_MS / 2, what: 'the job to complete on the other worker' });
    const recoveredIn = Date.now() - killed;
    console.info(`dead worker's job completed elsewhere ${recoveredIn} ms after SIGKILL (lease ${LEASE_MS} ms)`);

    expect(completed).toMatchObject({ attempts: 2, workerId: rescuerId, result: { completedOnAttempt: 2, pid: rescuer.child.pid } });
    expect(completed.lastError?.message).toBe(`the worker ${running.workerId} died (its database session ended)`);
    const workers = await listWorkers(db().services.db, { includeStopped: true });
    expect(workers.find((w) => w.id === running.workerId)?.status).toBe('dead');
    const [markedDead] = (await listHistory(db().services.db, { targetType: 'worker', targetId: running.workerId!, operation: 'markDead' }, { first: 5 })).entries;
    expect(markedDead).toMatchObject({ actor: 'supervisor', reason: 'its database session ended' });
  });

  it('a worker killed while it supervises (default supervisor settings): another process takes the supervisor over at once and runs the job again', async () => {
    const defaults = { PRESSROOM_SUPERVISOR_INTERVAL_MS: '5000', PRESSROOM_SUPERVISOR_LEASE_MS: '15000' };
    const doomed = await startWorkerProcess('dead-supervisor', defaults);
    const heldBy = (worker: WorkerProcess) => async () => {
      const state = await getSupervisorState(db().services.db, { supervisorIntervalMs: 5_000 });
      return state.holder?.includes(`-${worker.child.pid}-`) && state;
    };
    await waitFor(heldBy(doomed), { what: 'the doomed worker process to supervise' });
    const { job } = await enqueueJob(db().services, { kind: 'test.crashable', queue: 'dead-supervisor', payload: { completeOnAttempt: 2 } }, by);
    await runningOn(job.id);
    const rescuer = await startWorkerProcess('dead-supervisor', defaults);

    // Renewed every 5 s for 15 s: the lease it holds now lapses 10 s after the kill at the earliest.
    const { leaseExpiresAt } = await waitFor(heldBy(doomed), { what: 'the doomed worker process to supervise still' });
    doomed.child.kill('SIGKILL');
    const completed = await waitFor(async () => {
      const current = await getJob(db().services.db, job.id);
      return current.status === 'completed' && current;
    }, { what: 'the job to complete on the other worker' });

    expect(completed).toMatchObject({ attempts: 2, result: { completedOnAttempt: 2, pid: rescuer.child.pid } });
    const rescuerState = await waitFor(heldBy(rescuer), { what: 'the other process to supervise' });
    const [release] = (await listHistory(db().services.db, { targetType: 'governor', targetId: 'heartbeat', operation: 'release' }, { first: 1 })).entries;
    expect(release).toMatchObject({ actor: rescuerState.holder, reason: 'its process died (its database session ended)' });
    expect(completed.finishedAt!.getTime()).toBeLessThan(leaseExpiresAt!.getTime());
  });

  it('a worker frozen (SIGSTOP) but alive keeps its job and finishes it', async () => {
    const frozen = await startWorkerProcess('dead-frozen');
    const watcher = await startWorkerProcess('dead-frozen-other');
    const watcherId = await workerIdOf(watcher);
    const { job } = await enqueueJob(db().services, { kind: 'test.hold', queue: 'dead-frozen', payload: { ms: 1_000 } }, by);
    const running = await runningOn(job.id);

    frozen.child.kill('SIGSTOP');
    try {
      // The other process supervises (taking the heartbeat over if the frozen one held it) and sweeps
      // for dead workers every tick interval: ten of its ticks are many sweeps.
      const since = new Date();
      await waitFor(async () => {
        const ticks = await listSupervisorTicks(db().services.db, 50);
        return ticks.filter((t) => t.startedAt > since && t.holder.includes(`-${watcher.child.pid}-`)).length >= 10;
      }, { what: 'ten ticks of the other process' });
      expect(watcherId).toBeTruthy();
      expect(await getJob(db().services.db, job.id)).toMatchObject({ status: 'running', workerId: running.workerId, attempts: 1 });
    } finally {
      frozen.child.kill('SIGCONT');
    }
    const completed = await waitFor(async () => {
      const current = await getJob(db().services.db, job.id);
      return current.status === 'completed' && current;
    }, { what: 'the job to complete' });
    expect(completed).toMatchObject({ attempts: 1, workerId: running.workerId, result: { pid: frozen.child.pid } });
    expect((await listWorkers(db().services.db)).find((w) => w.id === running.workerId)?.status).toBe('running');
  });
});
