// The supervisor as a dashboard sees it: who holds the heartbeat governor, until when, and when
// the next scheduled tick is due.
import { sql } from 'drizzle-orm';
import { query, type Db } from '../../../db/client.ts';
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

/** How long until the heartbeat governor's lease lapses, by the database clock (0 when it has or is free). */
export async function heartbeatLeaseRemainingMs(db: Db): Promise<number> {
  const [row] = await query<{ ms: number | string | null }>(
    db,
    sql`select greatest(0, extract(epoch from lease_expires_at - now()) * 1000) as ms from governors
        where name = ${HEARTBEAT_GOVERNOR} and holder is not null`,
  );
  return Math.ceil(Number(row?.ms ?? 0));
}
