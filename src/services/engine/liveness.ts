// A worker process's liveness, as PostgreSQL itself sees it (server mode). Each worker holds a
// session-level advisory lock (LIVENESS_NAMESPACE, its liveness key) on a connection of its own
// for as long as it lives; when the process dies, the kernel closes its sockets, PostgreSQL ends
// the session and the lock is gone. The supervisor finds registered workers whose lock is gone
// and recovers their runs at once, instead of waiting for their leases to expire. A live but slow
// worker keeps its session (and its lock) however busy it is. The supervising process holds a lock
// of the same kind (SUPERVISOR_LIVENESS_KEY), so that the others take over at once when it dies.
import { sql, type SQL } from 'drizzle-orm';
import { query, type Db } from '../../db/client.ts';
import type { ServiceContext } from '../context.ts';
import { recoverRunsOfDeadWorkers } from './jobs/recovery.ts';
import type { Actor, Job, Worker } from './types.ts';
import { markWorkersDeadByIds } from './workers.ts';

/** The first key of every worker's advisory lock ('PRES'), keeping them apart from other locks. */
export const LIVENESS_NAMESPACE = 0x50524553;

/**
 * Right after PostgreSQL restarts every session is new and no worker holds its lock yet; they
 * take them again within a second or two. Until then, a missing lock proves nothing.
 */
const RESTART_GRACE_SECONDS = 10;

/** A key for a new worker's lock: random, positive, 31 bits. */
export const newLivenessKey = () => 1 + Math.floor(Math.random() * 0x7ffffffe);

/** The supervising process's lock (worker keys are never 0): held while it holds the heartbeat governor. */
export const SUPERVISOR_LIVENESS_KEY = 0;

/** True when some session of this database holds the liveness lock `key` (an SQL expression). */
export const livenessLockHeld = (key: SQL) =>
  sql`exists (select 1 from pg_locks l
              where l.locktype = 'advisory' and l.database = (select oid from pg_database where datname = current_database())
                and l.classid = ${LIVENESS_NAMESPACE}::oid and l.objid = ${key}::oid and l.objsubid = 2 and l.granted)`;

/** False in the first seconds after PostgreSQL started, when a missing lock proves nothing. */
export const sessionsSettled = sql`pg_postmaster_start_time() < now() - ${RESTART_GRACE_SECONDS} * interval '1 second'`;

/**
 * Takes the worker's lock on this session, or confirms it holds it already (after a reconnect
 * the session is new and the lock must be taken again). False: another session holds this key.
 */
export async function holdLivenessLock(session: Db, key: number): Promise<boolean> {
  const [row] = await query<{ held: boolean }>(
    session,
    sql`select case when exists (select 1 from pg_locks where pid = pg_backend_pid() and locktype = 'advisory'
                                   and classid = ${LIVENESS_NAMESPACE}::oid and objid = ${key}::oid and objsubid = 2 and granted)
                then true else pg_try_advisory_lock(${LIVENESS_NAMESPACE}, ${key}) end as held`,
  );
  return Boolean(row?.held);
}

/** Registered workers (running or stopping) with a liveness key whose lock no session holds. */
export async function findWorkersWithoutSession(db: Db): Promise<string[]> {
  const rows = await query<{ id: string }>(
    db,
    sql`select w.id from workers w
        where w.status in ('running', 'stopping') and w.liveness_key is not null
          and ${sessionsSettled} and not ${livenessLockHeld(sql`w.liveness_key`)}`,
  );
  return rows.map((row) => row.id);
}

/** Marks these workers dead (their session ended) and sends their running jobs back to the queue. */
export async function recoverDeadWorkers(ctx: ServiceContext, workerIds: string[], by: Actor): Promise<{ dead: Worker[]; recovered: Job[] }> {
  const dead = await markWorkersDeadByIds(ctx, workerIds, by.actor, 'its database session ended');
  const recovered = await recoverRunsOfDeadWorkers(ctx, dead.map((w) => w.id), by);
  return { dead, recovered };
}
