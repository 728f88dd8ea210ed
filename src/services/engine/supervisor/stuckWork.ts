// Stuck work (seed 000's ArbitrationMaintenance): running jobs with no heartbeat or progress for
// stuckRunningMs (their worker hangs, or their lease is longer than that), and queued jobs
// stuckQueuedMs past their run-at (no worker serves their queue or kind; paused lanes are
// excepted: they wait on purpose). Reported as a dry run; otherwise one open alert per stuck job,
// kept open while it stays stuck and resolved once it is not.
import { sql } from 'drizzle-orm';
import { query } from '../../../db/client.ts';
import { raiseAlert, resolveAlertsExcept } from '../alerts.ts';
import { inTransaction, type ServiceContext } from '../../context.ts';
import { appendHistory } from '../history.ts';
import type { Actor } from '../types.ts';
import type { SupervisorSettings } from './settings.ts';
import type { SupervisorTask } from './types.ts';

/** More stuck jobs than this are reported (and alerted) this many at a time, oldest first. */
const LIMIT = 1_000;

export interface StuckJob {
  jobId: number;
  runId: string;
  kind: string;
  queue: string;
  status: 'running' | 'queued';
  workerId: string | null;
  /** Running: the last heartbeat (or start); queued: the run-at time. */
  since: Date;
  /** How long it has been stuck since `since`, in ms. */
  forMs: number;
}

export interface StuckReport {
  dryRun: boolean;
  running: StuckJob[];
  queued: StuckJob[];
  /** Alerts open for stuck jobs after this detection: raised now or kept open (0 in a dry run). */
  alerted: number;
  /** Of those, the alerts opened now (the others were open already). */
  raised: number;
  /** Open stuck-work alerts resolved because their job is no longer stuck (0 in a dry run). */
  resolved: number;
}

type Row = Record<string, unknown>;

const stuckJob = (row: Row): StuckJob => ({
  jobId: Number(row.id),
  runId: row.run_id as string,
  kind: row.kind as string,
  queue: row.queue as string,
  status: row.status as StuckJob['status'],
  workerId: (row.worker_id as string | null) ?? null,
  since: new Date(row.since as string),
  forMs: Math.max(0, Math.round(Number(row.for_ms))),
});

export async function findStuckWork(ctx: ServiceContext, settings: Pick<SupervisorSettings, 'stuckRunningMs' | 'stuckQueuedMs'>) {
  const running = await query<Row>(
    ctx.db,
    sql`select id, run_id, kind, queue, status, worker_id, since, extract(epoch from now() - since) * 1000 as for_ms
        from (select *, coalesce(heartbeat_at, started_at, updated_at) as since from jobs where status = 'running') j
        where since < now() - ${settings.stuckRunningMs} * interval '1 millisecond'
        order by since, id limit ${LIMIT}`,
  );
  const queued = await query<Row>(
    ctx.db,
    sql`select id, run_id, kind, queue, status, worker_id, run_at as since, extract(epoch from now() - run_at) * 1000 as for_ms
        from jobs j
        where status = 'queued' and run_at < now() - ${settings.stuckQueuedMs} * interval '1 millisecond'
          and not exists (select 1 from queues q where q.name = j.queue and q.paused)
        order by run_at, id limit ${LIMIT}`,
  );
  return { running: running.map(stuckJob), queued: queued.map(stuckJob) };
}

const minutes = (ms: number) => (ms < 120_000 ? `${Math.round(ms / 1000)} s` : `${Math.round(ms / 60_000)} min`);

/** Finds stuck work; unless `dryRun`, raises one alert per stuck job and resolves the alerts of jobs no longer stuck. */
export async function detectStuckWork(
  ctx: ServiceContext,
  options: { dryRun: boolean; settings: Pick<SupervisorSettings, 'stuckRunningMs' | 'stuckQueuedMs'>; record?: boolean },
  by: Actor,
): Promise<StuckReport> {
  const { running, queued } = await findStuckWork(ctx, options.settings);
  const report: StuckReport = { dryRun: options.dryRun, running, queued, alerted: 0, raised: 0, resolved: 0 };
  if (options.dryRun) return report;
  const groups = [
    { kind: 'stuck_running' as const, severity: 'critical' as const, jobs: running, what: (j: StuckJob) => `running on ${j.workerId ?? '?'} with no heartbeat or progress for ${minutes(j.forMs)}` },
    { kind: 'stuck_queued' as const, severity: 'warning' as const, jobs: queued, what: (j: StuckJob) => `queued ${minutes(j.forMs)} past its run-at time` },
  ];
  for (const group of groups) {
    for (const job of group.jobs) {
      const { created } = await raiseAlert(
        ctx,
        {
          kind: group.kind,
          severity: group.severity,
          targetType: 'job',
          targetId: String(job.jobId),
          message: `job ${job.runId} (${job.kind}, queue ${job.queue}) ${group.what(job)}`,
          details: { runId: job.runId, kind: job.kind, queue: job.queue, workerId: job.workerId, since: job.since.toISOString(), forMs: job.forMs },
        },
        by,
      );
      report.alerted++;
      if (created) report.raised++;
    }
    const stillStuck = group.jobs.map((job) => ({ targetType: 'job', targetId: String(job.jobId) }));
    report.resolved += (await resolveAlertsExcept(ctx, group.kind, stillStuck, by)).length;
  }
  // An operator's detection is recorded whatever it found (the tick's are not: they are its results).
  if (options.record) {
    await inTransaction(ctx, (tx, emit) =>
      appendHistory(tx, emit, [
        {
          actor: by.actor,
          operation: 'detectStuck',
          targetType: 'supervisor',
          targetId: 'stuckWork',
          after: { running: running.length, queued: queued.length, raised: report.raised, resolved: report.resolved },
          reason: by.reason ?? null,
        },
      ]),
    );
  }
  return report;
}

export const detectStuck: SupervisorTask = async ({ ctx, settings, by }) => {
  const report = await detectStuckWork(ctx, { dryRun: false, settings }, by);
  return { stuckRunning: report.running.length, stuckQueued: report.queued.length, alerted: report.alerted, raised: report.raised, resolved: report.resolved };
};
