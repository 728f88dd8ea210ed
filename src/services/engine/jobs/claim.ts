// Claim: the hot path. Two statements per call at most:
//  - free jobs (no queue limit, no governor key): one statement, FOR UPDATE SKIP LOCKED, ordered
//    by the partial index jobs_ready, so concurrent workers never wait on each other;
//  - constrained jobs (queue concurrency limit or governor key): serialised across all workers by
//    a transaction-level advisory lock, because a limit counts rows that SKIP LOCKED cannot see.
//    The first statement says whether any could be ready (a limited queue, a governed job
//    queued); when none can, the second, with its lock and its scan, is not run at all.
import { randomUUID } from 'node:crypto';
import { type SQL, sql } from 'drizzle-orm';
import { query, type Db } from '../../../db/client.ts';
import { inTransaction, withEvents, type Emit, type ServiceContext } from '../../context.ts';
import { jobSummary } from '../../events.ts';
import { emitHistory } from '../history.ts';
import { governorFromRow, jobFromRow } from '../rows.ts';
import type { Job } from '../types.ts';

/** Also taken by tryAcquireGovernor: a claim must not hand a job a governor taken meanwhile. */
export const CONSTRAINED_CLAIM_LOCK = 72_616_002;

export interface ClaimRequest {
  workerId: string;
  /** Queues to claim from; null means all. */
  queues: string[] | null;
  /** Job kinds this worker has handlers for. */
  kinds: string[];
  limit: number;
  /**
   * How many of `limit` may be jobs of limited queues or governed jobs (default: all). Those count
   * against their limit from the moment they are claimed, so a worker claims only as many as it
   * can start at once, never into its prefetch buffer.
   */
  constrainedLimit?: number;
  leaseMs: number;
}

export interface Claimed {
  jobs: Job[];
  /**
   * Whether ready jobs may still be waiting: the claim took all it asked for, or constrained jobs
   * were left for lack of room. When false, only a new NOTIFY (or the poll) can bring more.
   */
  readyLeft: boolean;
}

export async function claimJobs(ctx: ServiceContext, request: ClaimRequest): Promise<Claimed> {
  if (request.limit <= 0) return { jobs: [], readyLeft: true };
  // One statement is its own transaction: no BEGIN/COMMIT round trips on the hot path.
  const free = await withEvents(ctx, (emit) =>
    claim(ctx.db, emit, request, { candidates: freeCandidates(request), lockedQueued: true }, request.limit, CONSTRAINED_MAY_BE_READY),
  );
  const room = Math.min(request.limit - free.jobs.length, request.constrainedLimit ?? request.limit);
  if (room <= 0 || !free.constrainedMayBeReady) {
    return { jobs: free.jobs, readyLeft: free.jobs.length === request.limit || free.constrainedMayBeReady };
  }
  const constrained = await inTransaction(ctx, async (tx, emit) => {
    // A process frozen inside this transaction (paused, swapped out) would hold the lock every
    // worker's constrained claim waits on: PostgreSQL ends such a session after 10 s idle in it.
    await tx.execute(
      sql`select set_config('idle_in_transaction_session_timeout', '10000', true), pg_advisory_xact_lock(${CONSTRAINED_CLAIM_LOCK})`,
    );
    return claim(tx, emit, request, { candidates: constrainedCandidates(request, room), lockedQueued: false }, room, sql`null`);
  });
  return { jobs: [...free.jobs, ...constrained.jobs], readyLeft: constrained.jobs.length === room };
}

// A literal list (not a subquery) keeps the planner's row estimate right, so that it walks the
// jobs_ready index in claim order instead of sorting every ready row.
const oneOf = (column: SQL, values: string[]) =>
  values.length === 0 ? sql`false` : sql`${column} in (${sql.join(values.map((value) => sql`${value}`), sql`, `)})`;
const claimable = (request: ClaimRequest) =>
  sql`${oneOf(sql`j.kind`, request.kinds)} and ${request.queues ? oneOf(sql`j.queue`, request.queues) : sql`true`}`;

/** drizzle expands JS arrays into parameter lists; a Postgres array literal passes one text[] parameter. */
function textArray(values: string[] | null): SQL {
  if (values === null) return sql`null::text[]`;
  const literal = `{${values.map((v) => `"${v.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`).join(',')}}`;
  return sql`${literal}::text[]`;
}

/** See drizzle/0001_ready_jobs_function.sql for why this scan lives in a function (0011: in PL/pgSQL). */
function freeCandidates(request: ClaimRequest): SQL {
  return sql`select id from pressroom_ready_jobs(${textArray(request.kinds)}, ${textArray(request.queues)}, ${request.limit}) as ready(id)`;
}

/** Ready jobs of limited queues or with a governor key, within each queue's free slots, one per free governor. */
function constrainedCandidates(request: ClaimRequest, room: number): SQL {
  return sql`with ready as (
      select j.id, j.queue, j.governor_key, j.priority, j.run_at, q.concurrency
      from jobs j left join queues q on q.name = j.queue
      where j.status = 'queued' and j.run_at <= now()
        and ${claimable(request)}
        and not coalesce(q.paused, false)
        and (q.concurrency is not null or j.governor_key is not null)
        and (j.governor_key is null or not exists (
          select 1 from governors g
          where g.name = j.governor_key and g.holder is not null and g.lease_expires_at > now()))
    ),
    ranked as (
      select ready.*,
        row_number() over (partition by queue order by priority desc, run_at, id) as queue_rank,
        row_number() over (partition by governor_key order by priority desc, run_at, id) as governor_rank,
        concurrency - (select count(*) from jobs r where r.status = 'running' and r.queue = ready.queue) as free_slots
      from ready
    )
    select id from ranked
    where (concurrency is null or queue_rank <= free_slots)
      and (governor_key is null or governor_rank = 1)
    order by priority desc, run_at, id
    limit ${room}`;
}

/** Two index probes: a queue has a concurrency limit, or a governed job is queued. */
const CONSTRAINED_MAY_BE_READY = sql`exists (select 1 from queues where concurrency is not null)
  or exists (select 1 from jobs where status = 'queued' and governor_key is not null)`;

/**
 * The jobs to claim. `lockedQueued`: the candidate query itself locks its rows and checks they
 * are queued (pressroom_ready_jobs, FOR UPDATE), so the update need not check the status again.
 * It must not: a status check implies the predicate of the partial index jobs_ready, and when the
 * statistics say few jobs are queued (a table of finished jobs, the usual case at size) the
 * planner looks the candidates up in that index, whose leading columns are not the id — one walk
 * of the whole index per candidate (measured at 1,000,000 jobs: 240 ms per 1,000 claims instead of 35).
 */
interface Candidates {
  candidates: SQL;
  lockedQueued: boolean;
}

/** Claims the candidates; `flag` (a boolean expression, or null) comes back as constrainedMayBeReady. */
async function claim(
  tx: Db,
  emit: Emit,
  request: ClaimRequest,
  { candidates, lockedQueued }: Candidates,
  limit: number,
  flag: SQL,
): Promise<{ jobs: Job[]; constrainedMayBeReady: boolean }> {
  const token = randomUUID();
  const [out] = await query<{
    jobs: Record<string, unknown>[];
    history: Record<string, unknown>[];
    governors: Record<string, unknown>[];
    constrained_may_be_ready: boolean | null;
  }>(
    tx,
    sql`with candidates as (${candidates}),
        claimed as (
          update jobs j
          set status = 'running', attempts = j.attempts + 1,
              -- max(): jobs that ran before runs were counted start from their attempts
              runs = greatest(j.runs, j.attempts) + 1, worker_id = ${request.workerId},
              -- one token per claim call and job: a stale run's writes are fenced off by it
              lease_token = ${token} || ':' || j.id, lease_expires_at = now() + ${request.leaseMs} * interval '1 millisecond',
              heartbeat_at = now(), started_at = coalesce(j.started_at, now()), control_request = null,
              updated_at = now()
          -- = ANY(array): probes the primary key per candidate; a join may hash every queued row
          where j.id = any(array(select id from candidates)) ${lockedQueued ? sql`` : sql`and j.status = 'queued'`}
          returning j.*
        ),
        governed as (
          insert into governors (name, holder, holder_job_id, acquired_at, lease_expires_at, last_scheduled_at, updated_at)
          select governor_key, 'job:' || run_id, id, now(), lease_expires_at, now(), now()
          from claimed where governor_key is not null
          on conflict (name) do update
          set holder = excluded.holder, holder_job_id = excluded.holder_job_id, acquired_at = excluded.acquired_at,
              lease_expires_at = excluded.lease_expires_at, last_scheduled_at = excluded.last_scheduled_at,
              updated_at = excluded.updated_at
          returning *
        ),
        logged as (
          insert into history (actor, operation, target_type, target_id, before, after)
          select ${request.workerId}::text, 'claim', 'job', id::text, jsonb_build_object('status', 'queued'),
                 jsonb_build_object('status', status, 'attempt', attempts, 'run', runs, 'workerId', worker_id)
          from claimed
          union all
          select ${request.workerId}::text, 'acquire', 'governor', name, null,
                 jsonb_build_object('holder', holder, 'holderJobId', holder_job_id)
          from governed
          returning *
        )
        select (select coalesce(json_agg(claimed order by priority desc, run_at, id), '[]') from claimed) as jobs,
               (select coalesce(json_agg(logged), '[]') from logged) as history,
               (select coalesce(json_agg(governed), '[]') from governed) as governors,
               ${flag} as constrained_may_be_ready`,
  );
  const jobs = (out?.jobs ?? []).map(jobFromRow).slice(0, limit);
  for (const job of jobs) emit('job:updated', jobSummary(job));
  for (const governor of (out?.governors ?? []).map(governorFromRow)) emit('governor:updated', { governor });
  emitHistory(emit, out?.history ?? null);
  return { jobs, constrainedMayBeReady: out?.constrained_may_be_ready ?? true };
}
