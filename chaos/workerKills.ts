// Kill -9 a worker process mid-job, again and again, at default settings: is any job lost,
// completed twice, or its handler's effect done twice, and how soon does a killed worker's job
// run again elsewhere? Three worker processes serve the queue and supervise (one of them holds the
// heartbeat governor, as `pressroom worker` processes do), the killed one replaced at once: about
// a third of the kills take the supervising process down with the job.
import { sql } from 'drizzle-orm';
import { query } from '../src/db/client.ts';
import { enqueueJob } from '../src/services/engine/jobs/enqueue.ts';
import { getJob } from '../src/services/engine/jobs/read.ts';
import { heartbeatHolder } from '../src/services/engine/supervisor/state.ts';
import type { PressroomProcess } from '../bench/pressroomProcess.ts';
import { CHAOS_KIND } from './handler.ts';
import { percentile, sleep, type Cluster } from './cluster.ts';

export interface WorkerKillsResult {
  kills: number;
  lost: number;
  completedTwice: number;
  effectTwice: number;
  /** From SIGKILL to the job running again on another worker (ms), sorted. */
  recoveryMs: number[];
  /** The same, for the kills of the process that was supervising. */
  supervisorRecoveryMs: number[];
}

const QUEUE = 'chaos-kills';
/** How long a run takes: long enough to be killed in the middle of it. */
const RUN_MS = 3_000;

export async function runWorkerKills(cluster: Cluster, kills: number, log: (line: string) => void): Promise<WorkerKillsResult> {
  const env = { PRESSROOM_WORKER_QUEUES: QUEUE, LOG_LEVEL: 'info' };
  const startWorker = async () => {
    const worker = cluster.spawn('worker', env);
    await worker.waitFor(/worker started/, 120_000);
    return worker;
  };
  const workers: PressroomProcess[] = await Promise.all([startWorker(), startWorker(), startWorker()]);
  const jobIds: number[] = [];
  const recoveryMs: number[] = [];
  const supervisorRecoveryMs: number[] = [];
  for (let k = 0; k < kills; k++) {
    const { job } = await enqueueJob(cluster.services, { kind: CHAOS_KIND, queue: QUEUE, payload: { ms: RUN_MS }, maxAttempts: 10 }, { actor: 'chaos' });
    jobIds.push(job.id);
    // Running, and some way into its run.
    const running = await until(async () => {
      const current = await getJob(cluster.services.db, job.id);
      return current.status === 'running' && current.workerId ? current : null;
    }, 60_000);
    await sleep(RUN_MS / 3);
    const pid = Number(/-(\d+)-[0-9a-f]{6}$/.exec(running.workerId!)?.[1]);
    const victim = workers.find((w) => w.pid === pid);
    if (!victim) throw new Error(`no worker process with pid ${pid}`);
    const { holder } = await heartbeatHolder(cluster.services.db);
    victim.child.kill('SIGKILL');
    const killed = Date.now();
    workers.splice(workers.indexOf(victim), 1);
    const replacement = startWorker().then((worker) => void workers.push(worker));
    await until(async () => {
      const current = await getJob(cluster.services.db, job.id);
      return (current.status === 'running' && current.workerId !== running.workerId) || current.status === 'completed' ? current : null;
    }, 120_000);
    recoveryMs.push(Date.now() - killed);
    if (holder?.includes(`-${pid}-`)) supervisorRecoveryMs.push(Date.now() - killed);
    await replacement;
    if ((k + 1) % 10 === 0 || k + 1 === kills) log(`worker kills: ${k + 1}/${kills}, recovery p50 ${percentile([...recoveryMs].sort((a, b) => a - b), 0.5)} ms`);
  }
  // Every job finishes (or is lost): wait for the last ones to run out.
  await until(async () => {
    const [row] = await query<{ open: string }>(cluster.services.db, sql`select count(*) as open from jobs where queue = ${QUEUE} and status in ('queued', 'running')`);
    return Number(row?.open) === 0 || null;
  }, 180_000).catch(() => null);
  const [counts] = await query<{ lost: string; completed_twice: string; effect_twice: string }>(
    cluster.services.db,
    sql`select
          (select count(*) from jobs where queue = ${QUEUE} and status <> 'completed') as lost,
          (select count(*) from (select target_id from history where operation = 'complete' and target_type = 'job'
                                   and target_id in (select id::text from jobs where queue = ${QUEUE})
                                 group by target_id having count(*) > 1) t) as completed_twice,
          (select count(*) from (select job_id from chaos_effects where job_id in (select id from jobs where queue = ${QUEUE})
                                 group by job_id having count(*) > 1) t) as effect_twice`,
  );
  return {
    kills,
    lost: Number(counts?.lost),
    completedTwice: Number(counts?.completed_twice),
    effectTwice: Number(counts?.effect_twice),
    recoveryMs: recoveryMs.sort((a, b) => a - b),
    supervisorRecoveryMs: supervisorRecoveryMs.sort((a, b) => a - b),
  };
}

/** Polls `check` until it returns something, or throws at the deadline. */
export async function until<T>(check: () => Promise<T | null>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check().catch(() => null);
    if (value !== null) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await sleep(25);
  }
}
