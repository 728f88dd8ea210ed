// The contract's floor (issue #15): what the writes Pressroom promises for every job cost
// PostgreSQL, with nothing else — no candidate scan, no row locks, nothing returned, no Node, no
// events. A job is enqueued (its row and its history entry), claimed (the row updated, an entry)
// and completed (the same), each as one committed statement per batch, on a fresh migrated
// database; the backend's CPU comes from /proc, so the server must run on this machine.
// Two index sets: Pressroom's own, and the fewest any design keeping the rows and the history
// could have (the primary keys, the claim order, a job's history by target). Whatever a design
// does besides these writes comes on top, so no design that keeps them drains faster than the
// machine's cores divided by their cost.
import postgres from 'postgres';
import { cpuMs } from '../fanout/proc.ts';
import { createScratchDatabase } from './system.ts';
import { openDatabase } from '../../src/db/client.ts';
import { migrateDatabase } from '../../src/db/migrate.ts';

export interface FloorStep {
  enqueue: number;
  claim: number;
  complete: number;
}

export interface ContractFloor {
  /** µs of PostgreSQL CPU per job for each step, with Pressroom's indexes. */
  pressroomIndexes: FloorStep;
  /** The same writes with the fewest indexes that still serve claiming and a job's history. */
  fewestIndexes: FloorStep;
  /** The secondary indexes the second set keeps. */
  kept: string[];
  /** Pressroom's indexes on each table, primary keys included. */
  indexes: { jobs: number; history: number };
}

const BATCH = 1_000;
/** What claiming and a job's history cannot do without; every other secondary index is dropped. */
const KEPT = ['jobs_ready', 'history_target'];

const ENQUEUE = `with inserted as (
    insert into jobs (run_id, kind, queue, payload, max_attempts, backoff, created_by)
    select 'floor-' || g, 'bench.noop', 'default', jsonb_build_object('i', g), 3, '{}'::jsonb, 'floor'
    from generate_series($1::bigint, $2::bigint) g
    returning id, status, run_id, kind, queue, created_by)
  insert into history (actor, operation, target_type, target_id, after)
  select created_by, 'enqueue', 'job', id::text, jsonb_build_object('status', status, 'runId', run_id, 'kind', kind, 'queue', queue)
  from inserted`;
const CLAIM = `with claimed as (
    update jobs j set status = 'running', attempts = j.attempts + 1, runs = greatest(j.runs, j.attempts) + 1, worker_id = 'floor',
      lease_token = 'token:' || j.id, lease_expires_at = now() + interval '30 seconds', heartbeat_at = now(),
      started_at = coalesce(j.started_at, now()), updated_at = now()
    where j.id = any($1::bigint[])
    returning j.id, j.status, j.attempts, j.runs, j.worker_id)
  insert into history (actor, operation, target_type, target_id, before, after)
  select 'floor', 'claim', 'job', id::text, jsonb_build_object('status', 'queued'),
         jsonb_build_object('status', status, 'attempt', attempts, 'run', runs, 'workerId', worker_id)
  from claimed`;
const COMPLETE = `with done as (
    update jobs j set status = 'completed', metrics = '{"durationMs": 0}'::jsonb, finished_at = now(),
      lease_token = null, lease_expires_at = null, progress = '{"percent": 100}'::jsonb, updated_at = now()
    where j.id = any($1::bigint[])
    returning j.id, j.status, j.attempts, j.runs)
  insert into history (actor, operation, target_type, target_id, before, after)
  select 'floor', 'complete', 'job', id::text, jsonb_build_object('status', 'running'),
         jsonb_build_object('status', status, 'attempt', attempts, 'run', runs)
  from done`;

/** `batches` batches of 1,000 jobs per index set: each enqueued, claimed and completed, CPU per step. */
export async function measureContractFloor(serverUrl: string, batches = 20): Promise<ContractFloor> {
  const scratch = await createScratchDatabase(serverUrl, `bench_floor_${process.pid}`);
  try {
    const database = await openDatabase({ url: scratch.url, poolSize: 1 });
    try {
      await migrateDatabase(database, scratch.url);
    } finally {
      await database.close();
    }
    const pg = postgres(scratch.url, { max: 1, onnotice: () => {} });
    try {
      await pg`insert into queues (name) values ('default') on conflict do nothing`;
      const [{ pid }] = (await pg<{ pid: number }[]>`select pg_backend_pid() as pid`) as unknown as [{ pid: number }];
      let next = 1;
      const run = async (): Promise<FloorStep> => {
        const total: FloorStep = { enqueue: 0, claim: 0, complete: 0 };
        // One unreported batch first: plans cached, pages in memory.
        for (let batch = -1; batch < batches; batch++) {
          const step = async (key: keyof FloorStep, statement: string, params: (string | number)[]) => {
            const before = cpuMs(pid);
            await pg.unsafe(statement, params);
            if (batch >= 0) total[key] += cpuMs(pid) - before;
          };
          const first = next;
          next += BATCH;
          await step('enqueue', ENQUEUE, [first, next - 1]);
          // The batch just enqueued is all that is queued: the batches before it are completed.
          const [{ ids }] = (await pg<{ ids: string }[]>`select array_agg(id)::text as ids from jobs where status = 'queued'`) as unknown as [{ ids: string }];
          await step('claim', CLAIM, [ids]);
          await step('complete', COMPLETE, [ids]);
        }
        const perJob = (ms: number) => (ms * 1000) / (batches * BATCH);
        return { enqueue: perJob(total.enqueue), claim: perJob(total.claim), complete: perJob(total.complete) };
      };
      const pressroomIndexes = await run();
      const all = await pg<{ name: string; on: string; primary: boolean }[]>`
        select indexrelid::regclass::text as name, indrelid::regclass::text as on, indisprimary as primary from pg_index
        where indrelid in ('jobs'::regclass, 'history'::regclass)`;
      for (const { name } of all.filter((index) => !index.primary && !KEPT.includes(index.name))) await pg.unsafe(`drop index ${name}`);
      await pg`vacuum analyze jobs, history`;
      const fewestIndexes = await run();
      const count = (table: string) => all.filter((index) => index.on === table).length;
      return { pressroomIndexes, fewestIndexes, kept: KEPT, indexes: { jobs: count('jobs'), history: count('history') } };
    } finally {
      await pg.end();
    }
  } finally {
    await scratch.drop();
  }
}
