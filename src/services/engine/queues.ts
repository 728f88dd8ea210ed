// Queues (lanes): configuration, pause with who/why/when, and live statistics.
import { sql } from 'drizzle-orm';
import { z } from 'zod';
import { query, type Db } from '../../db/client.ts';
import { inTransaction, type ServiceContext } from '../context.ts';
import { NotFoundError } from '../errors.ts';
import { appendHistory } from './history.ts';
import { queueFromRow } from './rows.ts';
import type { Actor, Queue } from './types.ts';
import { parseInput } from '../validate.ts';

type Row = Record<string, unknown>;

const queueName = z.string().min(1).max(100).regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]*$/, 'queue may hold letters, digits and _ . : - only');
const configureInput = z
  .object({
    name: queueName,
    concurrency: z.number().int().min(1).max(100_000).nullable().optional(),
    priority: z.number().int().min(-1000).max(1000).optional(),
  })
  .strict();

/** Creates the queue or changes its concurrency limit (null lifts it) and priority. */
export async function configureQueue(ctx: ServiceContext, input: z.input<typeof configureInput>, by: Actor): Promise<Queue> {
  const { name, concurrency, priority } = parseInput(configureInput, input);
  const queue = await inTransaction(ctx, async (tx, emit) => {
    const [before] = await query<Row>(tx, sql`select * from queues where name = ${name} for update`);
    const [row] = await query<Row>(
      tx,
      sql`insert into queues (name, concurrency, priority) values (${name}, ${concurrency ?? null}, ${priority ?? 0})
          on conflict (name) do update set
            concurrency = ${concurrency === undefined ? sql`queues.concurrency` : sql`${concurrency}`},
            priority = ${priority === undefined ? sql`queues.priority` : sql`${priority}`},
            updated_at = now()
          returning *`,
    );
    const queue = queueFromRow(row!);
    await appendHistory(tx, emit, [
      {
        actor: by.actor,
        operation: 'configure',
        targetType: 'queue',
        targetId: name,
        before: before ? { concurrency: queueFromRow(before).concurrency, priority: queueFromRow(before).priority } : null,
        after: { concurrency: queue.concurrency, priority: queue.priority },
        reason: by.reason,
      },
    ]);
    emit('queue:updated', { queue });
    return queue;
  });
  ctx.notifier.jobsReady().catch(() => {});
  return queue;
}

async function setPaused(ctx: ServiceContext, name: string, paused: boolean, by: Actor): Promise<Queue> {
  parseInput(queueName, name);
  const queue = await inTransaction(ctx, async (tx, emit) => {
    const [row] = await query<Row>(
      tx,
      // Queues are made on purpose (configureQueue, or a job enqueued into one): a mistyped name is not found.
      paused
        ? sql`update queues set paused = true, paused_by = ${by.actor}, paused_reason = ${by.reason ?? null}, paused_at = now(), updated_at = now()
              where name = ${name} returning *`
        : sql`update queues set paused = false, paused_by = null, paused_reason = null, paused_at = null, updated_at = now()
              where name = ${name} returning *`,
    );
    if (!row) throw new NotFoundError('queue', name);
    const queue = queueFromRow(row);
    await appendHistory(tx, emit, [
      { actor: by.actor, operation: paused ? 'pause' : 'resume', targetType: 'queue', targetId: name, after: { paused }, reason: by.reason },
    ]);
    emit('queue:updated', { queue });
    return queue;
  });
  if (!paused) ctx.notifier.jobsReady().catch(() => {});
  return queue;
}

/**
 * Makes the queue if it does not exist, as enqueuing into it would: for a domain's fixed lanes
 * (print's production and historical), which exist on purpose before any job is in them.
 */
export async function ensureQueue(ctx: ServiceContext, name: string): Promise<void> {
  parseInput(queueName, name);
  await query(ctx.db, sql`insert into queues (name) values (${name}) on conflict (name) do nothing`);
}

/** Stops workers claiming from the queue; running jobs finish. */
export const pauseQueue = (ctx: ServiceContext, name: string, by: Actor) => setPaused(ctx, name, true, by);
export const resumeQueue = (ctx: ServiceContext, name: string, by: Actor) => setPaused(ctx, name, false, by);

export async function listQueues(db: Db): Promise<Queue[]> {
  return (await query<Row>(db, sql`select * from queues order by name`)).map(queueFromRow);
}

export async function getQueue(db: Db, name: string): Promise<Queue> {
  const [row] = await query<Row>(db, sql`select * from queues where name = ${name}`);
  if (!row) throw new NotFoundError('queue', name);
  return queueFromRow(row);
}

