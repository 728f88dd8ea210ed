// The supervisor as a dashboard sees it: who holds the heartbeat governor, until when, and when
// the next scheduled tick is due; and as the other runners see it, whether its process still lives.
import { sql } from 'drizzle-orm';
import { query, type Db } from '../../../db/client.ts';
import { livenessLockHeld, sessionsSettled, SUPERVISOR_LIVENESS_KEY } from '../liveness.ts';
import type { SupervisorSettings } from './settings.ts';
import { HEARTBEAT_GOVERNOR } from './types.ts';

export interface SupervisorState {
  /** The runner that ticks now; null when no process supervises (or its lease lapsed). */
  holder: string | null;
  leaseExpiresAt: Date | null;
  /** When the holder's next scheduled tick is due; null when no process supervises. */
  nextTickAt: Date | null;
}

export async function getSupervisorState(db: Db, settings: Pick<SupervisorSettings, 'supervisorIntervalMs'>): Promise<SupervisorState> {
  const [row] = await query<{ holder: string | null; lease_expires_at: string | null; live: boolean; last_tick: string | null }>(
    db,
    sql`select g.holder, g.lease_expires_at, coalesce(g.lease_expires_at > now(), false) as live,
               (select max(started_at) from supervisor_ticks t where t.trigger = 'schedule' and t.holder = g.holder) as last_tick
        from governors g where g.name = ${HEARTBEAT_GOVERNOR}`,
  );
  if (!row?.holder || !row.live) return { holder: null, leaseExpiresAt: null, nextTickAt: null };
  const leaseExpiresAt = new Date(row.lease_expires_at!);
  const nextTickAt = row.last_tick ? new Date(new Date(row.last_tick).getTime() + settings.supervisorIntervalMs) : new Date();
  return { holder: row.holder, leaseExpiresAt, nextTickAt };
}

export interface HeartbeatHolder {
  holder: string | null;
  /** Until its lease lapses, by the database clock (0 when it has, or the governor is free). */
  remainingMs: number;
  /**
   * Server mode: no session holds the supervisor's liveness lock while the lease runs (the holding
   * process died, or its connection dropped a moment ago), PostgreSQL being up for a while.
   */
  sessionEnded: boolean;
}

/** Who holds the heartbeat governor, for how long yet, and whether its process still has its session. */
export async function heartbeatHolder(db: Db): Promise<HeartbeatHolder> {
  const [row] = await query<{ holder: string | null; ms: number | string | null; ended: boolean }>(
    db,
    sql`select holder, greatest(0, extract(epoch from lease_expires_at - now()) * 1000) as ms,
               ${sessionsSettled} and not ${livenessLockHeld(sql`${SUPERVISOR_LIVENESS_KEY}`)} as ended
        from governors where name = ${HEARTBEAT_GOVERNOR} and holder is not null`,
  );
  const remainingMs = Math.ceil(Number(row?.ms ?? 0));
  return { holder: row?.holder ?? null, remainingMs, sessionEnded: remainingMs > 0 && Boolean(row?.ended) };
}
