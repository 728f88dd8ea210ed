// Worker processes register, are seen through their lease renewals, and deregister on exit.
// One that stops being seen is dead; its runs come back through lease expiry. In server mode a
// worker whose database session ended is dead at once (src/services/engine/liveness.ts).
import { type SQL, sql } from 'drizzle-orm';
import { query, type Db } from '../../db/client.ts';
import { inTransaction, type ServiceContext } from '../context.ts';
import { appendHistory } from './history.ts';
import { workerFromRow } from './rows.ts';
import type { KindDescription } from './kinds/registry.ts';
import type { Worker } from './types.ts';

type Row = Record<string, unknown>;

export interface WorkerRegistration {
  id: string;
  host: string;
  pid: number;
  queues: string[] | null;
  concurrency: number;
  /** The kinds it has handlers for: announced in job_kinds, so that every process knows them. */
  kinds?: KindDescription[];
  /** The worker's session-level advisory lock (server mode), null when it holds none. */
  livenessKey?: number | null;
}

export async function registerWorker(ctx: ServiceContext, registration: WorkerRegistration): Promise<Worker> {
  const kinds = registration.kinds ?? [];
  return setWorker(ctx, registration.id, 'register', sql`with announced as (
        insert into job_kinds (kind, stages, payload_schema, announced_by)
        select kind, stages, "payloadSchema", ${registration.id}
        from jsonb_to_recordset(${JSON.stringify(kinds)}::jsonb) as x(kind text, stages jsonb, "payloadSchema" jsonb)
        on conflict (kind) do update
        set stages = excluded.stages, payload_schema = excluded.payload_schema, announced_by = excluded.announced_by, updated_at = now()
      )
      insert into workers (id, host, pid, queues, concurrency, kinds, liveness_key)
      values (${registration.id}, ${registration.host}, ${registration.pid}, ${JSON.stringify(registration.queues)}::jsonb, ${registration.concurrency},
              ${JSON.stringify(kinds.map((k) => k.kind))}::jsonb, ${registration.livenessKey ?? null})
      returning *`);
}

export async function setWorkerStopping(ctx: ServiceContext, id: string): Promise<Worker> {
  return setWorker(ctx, id, 'stopping', sql`update workers set status = 'stopping', last_seen_at = now() where id = ${id} returning *`);
}

export async function deregisterWorker(ctx: ServiceContext, id: string): Promise<Worker> {
  return setWorker(ctx, id, 'deregister', sql`update workers set status = 'stopped', stopped_at = now(), last_seen_at = now() where id = ${id} returning *`);
}

async function setWorker(ctx: ServiceContext, id: string, operation: string, statement: ReturnType<typeof sql>): Promise<Worker> {
  return inTransaction(ctx, async (tx, emit) => {
    const [row] = await query<Row>(tx, statement);
    const worker = workerFromRow(row!);
    await appendHistory(tx, emit, [
      { actor: id, operation, targetType: 'worker', targetId: id, after: { status: worker.status, host: worker.host, pid: worker.pid } },
    ]);
    emit('worker:updated', { worker });
    return worker;
  });
}

/** Marks workers not seen for `staleMs` as dead. */
export async function markDeadWorkers(ctx: ServiceContext, staleMs: number, actor: string): Promise<Worker[]> {
  return markDead(ctx, sql`last_seen_at < now() - ${staleMs} * interval '1 millisecond'`, actor, 'not seen');
}

/** Marks these workers dead: their processes are known to be gone. */
export async function markWorkersDeadByIds(ctx: ServiceContext, ids: string[], actor: string, reason: string): Promise<Worker[]> {
  if (ids.length === 0) return [];
  return markDead(ctx, sql`id in (select jsonb_array_elements_text(${JSON.stringify(ids)}::jsonb))`, actor, reason);
}

async function markDead(ctx: ServiceContext, which: SQL, actor: string, reason: string): Promise<Worker[]> {
  return inTransaction(ctx, async (tx, emit) => {
    const rows = await query<Row>(
      tx,
      sql`update workers set status = 'dead', stopped_at = now()
          where status in ('running', 'stopping') and ${which}
          returning *`,
    );
    const dead = rows.map(workerFromRow);
    await appendHistory(
      tx,
      emit,
      dead.map((w) => ({ actor, operation: 'markDead', targetType: 'worker', targetId: w.id, after: { status: 'dead', lastSeenAt: w.lastSeenAt.toISOString() }, reason })),
    );
    for (const worker of dead) emit('worker:updated', { worker });
    return dead;
  });
}

export async function listWorkers(db: Db, options: { includeStopped?: boolean } = {}): Promise<Worker[]> {
  const rows = await query<Row>(
    db,
    options.includeStopped ? sql`select * from workers order by started_at desc` : sql`select * from workers where status in ('running', 'stopping') order by started_at desc`,
  );
  return rows.map(workerFromRow);
}
