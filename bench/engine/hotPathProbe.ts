// Where a claim's and a completion's PostgreSQL time goes, index by index, and what a `jobs` row
// whose claim and completion are HOT updates would cost (bench/RESULTS.md, "What holds the missed
// targets back"). On a fresh migrated database holding CPU_JOBS queued jobs, each variant claims
// 2,000 of them and completes them in one transaction that is rolled back (so every variant sees
// the same table), CPU_REPS times; the backend's CPU comes from /proc, so the server must run on
// this machine. A variant drops indexes inside its transaction (rolled back with it).
//   npx tsx bench/engine/hotPathProbe.ts   (PROBE_ONLY=HOT: the variants whose name holds it; PROBE_FILLFACTOR, default 20)
import postgres from 'postgres';
import { cpuMs } from '../fanout/proc.ts';
import { scratchDatabaseName } from './cpu.ts';
import { createPressroom } from './pressroom.ts';
import { databaseUrl, DEFAULT_DATABASE_URL, DEFAULT_REDIS_URL } from './system.ts';

const env = process.env;
const serverUrl = env.DATABASE_URL ?? DEFAULT_DATABASE_URL;
const queued = Number(env.CPU_JOBS ?? 20_000);
const reps = Number(env.CPU_REPS ?? 20);
const BATCH = 2_000;
class Rollback extends Error {}

// The claim and completion of src/services/engine/jobs (claim.ts, finish.ts through
// transitionStatement.ts) without what they return: the writes only.
// The jobs to claim are picked before the clock starts (variants without the claim index would
// otherwise scan for them).
const claim = (history: boolean) => `with claimed as (
    update jobs j set status = 'running', attempts = j.attempts + 1, runs = greatest(j.runs, j.attempts) + 1, worker_id = 'probe',
      lease_token = 'token:' || j.id, lease_expires_at = now() + interval '30 seconds', heartbeat_at = now(),
      started_at = coalesce(j.started_at, now()), control_request = null, updated_at = now()
    where j.id = any($1::bigint[]) and j.status = 'queued'
    returning j.*)
  ${history ? `, logged as (insert into history (actor, operation, target_type, target_id, before, after)
    select 'probe', 'claim', 'job', id::text, jsonb_build_object('status', 'queued'),
           jsonb_build_object('status', status, 'attempt', attempts, 'run', runs, 'workerId', worker_id) from claimed returning id)` : ''}
  select count(*) from claimed`;
const complete = (history: boolean) => `with upd as (
    update jobs j set status = 'completed', result = null, metrics = coalesce(j.metrics, '{}'::jsonb) || '{"durationMs": 0}'::jsonb,
      finished_at = now(), lease_token = null, lease_expires_at = null, control_request = null,
      progress = coalesce(j.progress, '{}'::jsonb) || '{"percent": 100}'::jsonb, updated_at = now()
    where j.id = any($1::bigint[]) and j.status = 'running'
    returning j.*)
  ${history ? `, logged as (insert into history (actor, operation, target_type, target_id, before, after)
    select 'probe', 'complete', 'job', id::text, jsonb_build_object('status', 'running'),
           jsonb_build_object('status', status, 'attempt', attempts, 'run', runs) from upd returning id)` : ''}
  select count(*) from upd`;

const JOBS_STATUS_INDEXES = ['jobs_ready', 'jobs_governed_ready', 'jobs_running_lease', 'jobs_status_id', 'jobs_queue_status_id', 'jobs_dedupe_key_live', 'jobs_finished_at'];
const variants: { name: string; drop: string[]; history: boolean; lock?: boolean }[] = [
  { name: 'today (with history rows)', drop: [], history: true },
  // finish.ts locks the runs it completes (select … for update) before it updates them.
  { name: 'today, completion rows locked first', drop: [], history: true, lock: true },
  { name: 'today, jobs only', drop: [], history: false },
  ...['jobs_run_id_unique', 'jobs_status_id', 'jobs_kind_id', 'jobs_queue_status_id', 'jobs_running_lease', 'jobs_finished_at'].map((index) => ({
    name: `jobs only, without ${index}`,
    drop: [index],
    history: false,
  })),
  // What stays when no index of `jobs` names a column the claim or completion changes: the
  // updates can be HOT (no index entry at all) where the page has room.
  { name: 'jobs only, no index on status or lease (HOT)', drop: JOBS_STATUS_INDEXES, history: false },
];

const system = createPressroom({ databaseUrl: serverUrl, redisUrl: env.REDIS_URL ?? DEFAULT_REDIS_URL });
await system.setup();
const pg = postgres(databaseUrl(serverUrl, scratchDatabaseName('pressroom')), { max: 1, onnotice: () => {} });
try {
  // Room on each page for the HOT variant's two new row versions per job; the others do not care.
  await pg.unsafe(`alter table jobs set (fillfactor = ${Number(env.PROBE_FILLFACTOR ?? 20)})`);
  await system.bulkEnqueue(queued);
  await pg.unsafe('vacuum analyze jobs');
  const [{ pid }] = (await pg<{ pid: number }[]>`select pg_backend_pid() as pid`) as unknown as [{ pid: number }];
  const perJob = (ms: number) => ((ms * 1000) / (reps * BATCH)).toFixed(1).padStart(5);
  for (const variant of variants.filter((v) => !env.PROBE_ONLY || v.name.includes(env.PROBE_ONLY))) {
    let claimMs = 0;
    let completeMs = 0;
    const hot = { claim: 0, complete: 0 };
    // The rolled-back row versions of the variant before take the room the next one's would use.
    await pg.unsafe('vacuum jobs');
    for (let rep = 0; rep < reps; rep++) {
      await pg
        .begin(async (tx) => {
          for (const index of variant.drop) await tx.unsafe(`drop index ${index}`);
          const [{ ids }] = (await tx<{ ids: string }[]>`select array_agg(id)::text as ids from (select id from jobs where status = 'queued' order by id limit ${BATCH}) c`) as unknown as [{ ids: string }];
          const hotSoFar = async () => Number((await tx`select n_tup_hot_upd as n from pg_stat_xact_user_tables where relname = 'jobs'`)[0]?.n ?? 0);
          const hotBefore = await hotSoFar();
          const t0 = cpuMs(pid);
          await tx.unsafe(claim(variant.history), [ids]);
          const t1 = cpuMs(pid);
          const hotAfterClaim = await hotSoFar();
          const t2 = cpuMs(pid);
          if (variant.lock) await tx.unsafe('select id from jobs where id = any($1::bigint[]) for update', [ids]);
          await tx.unsafe(complete(variant.history), [ids]);
          claimMs += t1 - t0;
          completeMs += cpuMs(pid) - t2;
          hot.claim += hotAfterClaim - hotBefore;
          hot.complete += (await hotSoFar()) - hotAfterClaim;
          throw new Rollback();
        })
        .catch((error: unknown) => {
          if (!(error instanceof Rollback)) throw error;
        });
    }
    const share = (n: number) => `${Math.round((100 * n) / (reps * BATCH))}%`.padStart(4);
    console.log(`${variant.name.padEnd(48)} claim ${perJob(claimMs)} µs/job (HOT ${share(hot.claim)})   completion ${perJob(completeMs)} µs/job (HOT ${share(hot.complete)})`);
  }
} finally {
  await pg.end();
  await system.teardown();
}
