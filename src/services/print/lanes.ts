// Lanes (seed 000's production and historical queues): pause and resume with who and why, the
// slice-start rule (allowSliceStart), and each lane's row counts. A lane's pause is the pause of
// its engine queue: its slice jobs wait unclaimed, and print cycles skip its rows.
import { sql } from 'drizzle-orm';
import { query, type Db } from '../../db/client.ts';
import type { ServiceContext } from '../context.ts';
import { ensureQueue, pauseQueue, resumeQueue } from '../engine/queues.ts';
import type { Actor } from '../engine/types.ts';
import { InvalidInputError } from '../errors.ts';
import { LANES, laneQueue, parseLane, ROW_STATUSES, type Lane, type RowStatus } from './model.ts';
import { requestPrintCycle } from './requestPrintCycle.ts';

export interface LaneState {
  lane: Lane;
  paused: boolean;
  pausedBy: string | null;
  pausedReason: string | null;
  pausedAt: Date | null;
  counts: Record<RowStatus, number>;
}

const needsReason = (reason: string | null | undefined) => {
  if (!reason?.trim()) throw new InvalidInputError([{ path: 'reason', message: 'say why the lane is paused or resumed' }]);
};

export async function pausePrintLane(ctx: ServiceContext, laneName: string, by: Actor): Promise<LaneState> {
  const lane = parseLane(laneName);
  needsReason(by.reason);
  // The lanes are print's own queues: pausing one that no job has used yet is meant.
  await ensureQueue(ctx, laneQueue(lane));
  await pauseQueue(ctx, laneQueue(lane), by);
  ctx.bus.publish('printLane:updated', { lanes: [lane] });
  return getLaneState(ctx.db, lane);
}

/** Resumes the lane; its waiting slices start, and a print cycle is asked for its queued rows. */
export async function resumePrintLane(ctx: ServiceContext, laneName: string, by: Actor): Promise<LaneState> {
  const lane = parseLane(laneName);
  needsReason(by.reason);
  await resumeQueue(ctx, laneQueue(lane), by);
  ctx.bus.publish('printLane:updated', { lanes: [lane] });
  await requestPrintCycle(ctx, { actor: by.actor, reason: `lane ${lane} resumed` });
  return getLaneState(ctx.db, lane);
}

/** The seed's allowSliceStart: a slice of a paused lane is deferred. */
export async function allowSliceStart(db: Db, lane: Lane): Promise<boolean> {
  return !(await pausedLanes(db)).includes(lane);
}

export async function pausedLanes(db: Db): Promise<Lane[]> {
  const rows = await query<{ name: string }>(
    db,
    sql`select name from queues where paused and name in (${sql.join(LANES.map((lane) => sql`${laneQueue(lane)}`), sql`, `)})`,
  );
  return LANES.filter((lane) => rows.some((row) => row.name === laneQueue(lane)));
}

export async function listLaneStates(db: Db): Promise<LaneState[]> {
  const [queues, counts] = await Promise.all([
    query<Record<string, unknown>>(db, sql`select * from queues where name like 'print-%'`),
    query<{ lane: string; status: string; count: string | number }>(db, sql`select lane, status, count from print_lane_counts`),
  ]);
  return LANES.map((lane) => {
    const queue = queues.find((q) => q.name === laneQueue(lane));
    const byStatus = Object.fromEntries(ROW_STATUSES.map((status) => [status, 0])) as Record<RowStatus, number>;
    for (const c of counts) if (c.lane === lane) byStatus[c.status as RowStatus] = Number(c.count);
    return {
      lane,
      paused: Boolean(queue?.paused),
      pausedBy: (queue?.paused_by as string | null) ?? null,
      pausedReason: (queue?.paused_reason as string | null) ?? null,
      pausedAt: queue?.paused_at ? new Date(queue.paused_at as string) : null,
      counts: byStatus,
    };
  });
}

export async function getLaneState(db: Db, lane: Lane): Promise<LaneState> {
  return (await listLaneStates(db)).find((state) => state.lane === lane)!;
}
