// One supervisor tick: every task in turn, each isolated (a task that fails is recorded with its
// error and the others still run), then the tick recorded in supervisor_ticks (the last
// TICKS_KEPT kept) and published as a 'supervisor:tick' event.
import { sql } from 'drizzle-orm';
import { query, type Db } from '../../../db/client.ts';
import { inTransaction, type ServiceContext } from '../../context.ts';
import { appendHistory } from '../history.ts';
import type { Actor, Json } from '../types.ts';
import { rollupJobMetrics } from '../metrics/rollup.ts';
import { markWorkersDead } from './deadWorkers.ts';
import { promoteDueRetries } from './dueRetries.ts';
import { healStuckGovernors } from './healGovernors.ts';
import { startPendingRuns } from './pendingRuns.ts';
import { recoverLeases } from './recoverLeases.ts';
import { purgeOld } from './retention.ts';
import { fireSchedules } from './schedules.ts';
import type { SupervisorSettings } from './settings.ts';
import { detectStuck } from './stuckWork.ts';
import { detectUnservedKinds } from './unservedKinds.ts';
import { SUPERVISOR_ACTOR, type SupervisorTask, type SupervisorTick, type TaskResult, type TickTrigger } from './types.ts';

export const TICKS_KEPT = 500;

/** The tasks of a tick, in the order they run. */
export const SUPERVISOR_TASKS: readonly (readonly [string, SupervisorTask])[] = [
  ['recoverLeases', recoverLeases],
  ['markDeadWorkers', markWorkersDead],
  ['healGovernors', healStuckGovernors],
  ['startPendingRuns', startPendingRuns],
  ['promoteDueRetries', promoteDueRetries],
  ['fireSchedules', fireSchedules],
  ['detectStuckWork', detectStuck],
  ['detectUnservedKinds', detectUnservedKinds],
  ['purge', purgeOld],
  ['rollupMetrics', rollupJobMetrics],
];

export interface TickOptions {
  /** Who runs the tick: the supervisor runner's id (the heartbeat governor's holder), or the API caller. */
  holder: string;
  trigger: TickTrigger;
  settings: SupervisorSettings;
  /** For a manual tick: who asked for it and why (recorded in the history). */
  requestedBy?: Actor;
  /** The tasks to run (tests); all of them by default. */
  tasks?: readonly (readonly [string, SupervisorTask])[];
}

type Row = Record<string, unknown>;

export function tickFromRow(row: Row): SupervisorTick {
  return {
    id: Number(row.id),
    holder: row.holder as string,
    trigger: row.trigger as SupervisorTick['trigger'],
    startedAt: new Date(row.started_at as string),
    finishedAt: new Date(row.finished_at as string),
    durationMs: Number(row.duration_ms),
    results: row.results as SupervisorTick['results'],
  };
}

export async function runSupervisorTick(ctx: ServiceContext, options: TickOptions): Promise<SupervisorTick> {
  const startedAt = new Date();
  const started = performance.now();
  const previousTickAt = await lastTickStart(ctx.db);
  const by: Actor = {
    actor: SUPERVISOR_ACTOR,
    reason: options.trigger === 'manual' && options.requestedBy ? `tick asked for by ${options.requestedBy.actor}` : null,
  };
  const results: Record<string, TaskResult> = {};
  for (const [name, task] of options.tasks ?? SUPERVISOR_TASKS) {
    const taskStarted = performance.now();
    const took = () => Math.round(performance.now() - taskStarted);
    try {
      const counts = await task({ ctx, settings: options.settings, by, previousTickAt });
      results[name] = { ok: true, durationMs: took(), counts };
    } catch (error) {
      ctx.log.error({ err: error, task: name }, 'supervisor task failed');
      results[name] = { ok: false, durationMs: took(), error: error instanceof Error ? error.message : String(error) };
    }
  }
  const durationMs = Math.round(performance.now() - started);
  const finishedAt = new Date(startedAt.getTime() + durationMs);
  return inTransaction(ctx, async (tx, emit) => {
    const [row] = await query<Row>(
      tx,
      sql`insert into supervisor_ticks (holder, started_at, finished_at, duration_ms, results, trigger)
          values (${options.holder}, ${startedAt.toISOString()}::timestamptz, ${finishedAt.toISOString()}::timestamptz, ${durationMs},
                  ${JSON.stringify(results)}::jsonb, ${options.trigger})
          returning *`,
    );
    await tx.execute(
      sql`delete from supervisor_ticks where id <= (select id from supervisor_ticks order by id desc offset ${TICKS_KEPT} limit 1)`,
    );
    const tick = tickFromRow(row!);
    if (options.trigger === 'manual' && options.requestedBy) {
      const failed = Object.entries(results).filter(([, r]) => !r.ok).map(([name]) => name);
      await appendHistory(tx, emit, [
        {
          actor: options.requestedBy.actor,
          operation: 'runTick',
          targetType: 'supervisor',
          targetId: 'tick',
          after: { tickId: tick.id, durationMs, failedTasks: failed } as Json,
          reason: options.requestedBy.reason ?? null,
        },
      ]);
    }
    emit('supervisor:tick', { tick });
    return tick;
  });
}

async function lastTickStart(db: Db): Promise<Date | null> {
  const [row] = await query<{ started_at: string }>(db, sql`select started_at from supervisor_ticks order by id desc limit 1`);
  return row ? new Date(row.started_at) : null;
}

/** The last `first` ticks, newest first. */
export async function listSupervisorTicks(db: Db, first = 20): Promise<SupervisorTick[]> {
  const rows = await query<Row>(db, sql`select * from supervisor_ticks order by id desc limit ${first}`);
  return rows.map(tickFromRow);
}

export async function getSupervisorTick(db: Db, id: number): Promise<SupervisorTick | null> {
  const [row] = await query<Row>(db, sql`select * from supervisor_ticks where id = ${id}`);
  return row ? tickFromRow(row) : null;
}
