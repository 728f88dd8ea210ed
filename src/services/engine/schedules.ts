// Recurring schedules: a cron expression (in a time zone) that enqueues a job of a kind with a
// payload. Each slot fires exactly once across all processes: firing is a compare-and-set on the
// schedule's next slot, in the same transaction as the job it enqueues, and the job's dedupe key
// (`schedule:<name>:<slot>`) guards it a second time. After downtime only the most recent missed
// slot fires; the older ones are skipped and counted (docs/operations.md).
import { CronExpressionParser } from 'cron-parser';
import { sql } from 'drizzle-orm';
import { z } from 'zod';
import { storableJsonObject } from '../storableJson.ts';
import { query, type Db } from '../../db/client.ts';
import { inTransaction, transactionContext, type ServiceContext } from '../context.ts';
import { InvalidInputError, NotFoundError } from '../errors.ts';
import { appendHistory } from './history.ts';
import { enqueueJob } from './jobs/enqueue.ts';
import { enqueueInput } from './jobs/input.ts';
import { assertKindsKnown } from './kinds/check.ts';
import type { Actor, JsonObject } from './types.ts';
import { parseInput } from '../validate.ts';
import { dateOrNull } from './rows.ts';

type Row = Record<string, unknown>;

export interface Schedule {
  id: number;
  name: string;
  cron: string;
  timezone: string;
  kind: string;
  queue: string;
  payload: JsonObject;
  paused: boolean;
  /** The last slot fired. */
  lastSlotAt: Date | null;
  /** The next slot to fire (while not paused). */
  nextSlotAt: Date | null;
  createdBy: string;
  createdAt: Date;
  updatedAt: Date;
}


export function scheduleFromRow(r: Row): Schedule {
  return {
    id: Number(r.id),
    name: r.name as string,
    cron: r.cron as string,
    timezone: r.timezone as string,
    kind: r.kind as string,
    queue: r.queue as string,
    payload: (r.payload as JsonObject) ?? {},
    paused: Boolean(r.paused),
    lastSlotAt: dateOrNull(r.last_slot_at),
    nextSlotAt: dateOrNull(r.next_slot_at),
    createdBy: r.created_by as string,
    createdAt: new Date(r.created_at as string),
    updatedAt: new Date(r.updated_at as string),
  };
}

// ---------------------------------------------------------------------------------------------
// Cron arithmetic

/** Slots counted one by one at most this many times when reporting skipped slots. */
const MAX_COUNTED_SLOTS = 10_000;

function isTimeZone(timezone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: timezone });
    return true;
  } catch {
    return false;
  }
}

/** Why the expression is not usable, or null: 5 fields (or 6 with seconds first), or an @alias. */
function cronProblem(cron: string, timezone: string): string | null {
  const fields = cron.trim().split(/\s+/);
  if (!cron.trim().startsWith('@') && fields.length !== 5 && fields.length !== 6) {
    return 'a cron expression has 5 fields (minute hour day-of-month month day-of-week), or 6 with seconds first';
  }
  try {
    CronExpressionParser.parse(cron, { tz: timezone, currentDate: new Date() }).next();
    return null;
  } catch (error) {
    return `not a valid cron expression: ${error instanceof Error ? error.message : String(error)}`;
  }
}

/** The first slot strictly after `after`. */
export function nextSlotAfter(cron: string, timezone: string, after: Date): Date {
  return CronExpressionParser.parse(cron, { tz: timezone, currentDate: after }).next().toDate();
}

/** The latest slot at or before `at`. */
function latestSlotAtOrBefore(cron: string, timezone: string, at: Date): Date {
  return CronExpressionParser.parse(cron, { tz: timezone, currentDate: new Date(at.getTime() + 1) }).prev().toDate();
}

/** How many slots lie in [from, to): the missed slots older than the one that fires. */
function slotsBetween(cron: string, timezone: string, from: Date, to: Date): number {
  if (from >= to) return 0;
  const expression = CronExpressionParser.parse(cron, { tz: timezone, currentDate: from });
  let count = 1;
  while (count < MAX_COUNTED_SLOTS && expression.next().toDate() < to) count++;
  return count;
}

// ---------------------------------------------------------------------------------------------
// Create, pause, resume, delete, list

const scheduleName = z
  .string()
  .min(1, 'name must not be empty')
  .max(100, 'name must be at most 100 characters')
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]*$/, 'name may hold letters, digits and _ . : - only');

const createInput = z
  .object({
    name: scheduleName,
    cron: z.string().min(1, 'cron must not be empty').max(200),
    timezone: z.string().min(1).max(100).default('UTC'),
    kind: z.string(),
    queue: z.string().optional(),
    payload: storableJsonObject.optional(),
    /** Accept a kind no handler in code defines and no worker announced yet (its workers start later). */
    allowUnknownKind: z.boolean().optional(),
  })
  .strict()
  .superRefine((input, issues) => {
    if (!isTimeZone(input.timezone)) {
      issues.addIssue({ code: 'custom', path: ['timezone'], message: `unknown time zone ${input.timezone} (use an IANA name such as Europe/Paris)` });
      return;
    }
    const problem = cronProblem(input.cron, input.timezone);
    if (problem) issues.addIssue({ code: 'custom', path: ['cron'], message: problem });
  });

export type CreateScheduleInput = z.input<typeof createInput>;

export async function createSchedule(ctx: ServiceContext, input: CreateScheduleInput, by: Actor): Promise<Schedule> {
  const parsed = parseInput(createInput, input);
  // The job it will enqueue, validated as an enqueue is (paths: kind, queue, payload).
  const job = parseInput(enqueueInput, { kind: parsed.kind, queue: parsed.queue, payload: parsed.payload });
  await assertKindsKnown(ctx, [{ ...job, allowUnknownKind: parsed.allowUnknownKind }]);
  const cron = parsed.cron.trim();
  const next = nextSlotAfter(cron, parsed.timezone, new Date());
  return inTransaction(ctx, async (tx, emit) => {
    const [row] = await query<Row>(
      tx,
      sql`insert into schedules (name, cron, timezone, kind, queue, payload, next_slot_at, created_by)
          values (${parsed.name}, ${cron}, ${parsed.timezone}, ${job.kind}, ${job.queue}, ${JSON.stringify(job.payload)}::jsonb,
                  ${next.toISOString()}::timestamptz, ${by.actor})
          on conflict (name) do nothing
          returning *`,
    );
    if (!row) throw new InvalidInputError([{ path: 'name', message: `a schedule named ${parsed.name} exists already` }]);
    const schedule = scheduleFromRow(row);
    await appendHistory(tx, emit, [
      {
        actor: by.actor,
        operation: 'create',
        targetType: 'schedule',
        targetId: schedule.name,
        after: { cron, timezone: schedule.timezone, kind: schedule.kind, queue: schedule.queue, nextSlotAt: next.toISOString() },
        reason: by.reason,
      },
    ]);
    emit('schedule:updated', { schedule });
    return schedule;
  });
}

async function setPaused(ctx: ServiceContext, name: string, paused: boolean, by: Actor): Promise<Schedule> {
  parseInput(scheduleName, name);
  return inTransaction(ctx, async (tx, emit) => {
    const [before] = await query<Row>(tx, sql`select * from schedules where name = ${name} for update`);
    if (!before) throw new NotFoundError('schedule', name);
    const current = scheduleFromRow(before);
    // Resuming starts from now: the slots that passed while paused do not fire.
    const next = paused ? current.nextSlotAt : nextSlotAfter(current.cron, current.timezone, new Date());
    const [row] = await query<Row>(
      tx,
      sql`update schedules set paused = ${paused}, next_slot_at = ${next?.toISOString() ?? null}::timestamptz, updated_at = now()
          where id = ${current.id} returning *`,
    );
    const schedule = scheduleFromRow(row!);
    await appendHistory(tx, emit, [
      {
        actor: by.actor,
        operation: paused ? 'pause' : 'resume',
        targetType: 'schedule',
        targetId: name,
        before: { paused: current.paused },
        after: { paused, nextSlotAt: schedule.nextSlotAt?.toISOString() ?? null },
        reason: by.reason,
      },
    ]);
    emit('schedule:updated', { schedule });
    return schedule;
  });
}

/** Stops the schedule firing until it is resumed. */
export const pauseSchedule = (ctx: ServiceContext, name: string, by: Actor) => setPaused(ctx, name, true, by);
/** Fires again from the next slot after now; slots missed while paused are not fired. */
export const resumeSchedule = (ctx: ServiceContext, name: string, by: Actor) => setPaused(ctx, name, false, by);

/** Deletes the schedule; returns it as it was. Jobs it enqueued stay. */
export async function deleteSchedule(ctx: ServiceContext, name: string, by: Actor): Promise<Schedule> {
  parseInput(scheduleName, name);
  return inTransaction(ctx, async (tx, emit) => {
    const [row] = await query<Row>(tx, sql`delete from schedules where name = ${name} returning *`);
    if (!row) throw new NotFoundError('schedule', name);
    const schedule = scheduleFromRow(row);
    await appendHistory(tx, emit, [
      {
        actor: by.actor,
        operation: 'delete',
        targetType: 'schedule',
        targetId: name,
        before: { cron: schedule.cron, timezone: schedule.timezone, kind: schedule.kind, queue: schedule.queue, paused: schedule.paused },
        reason: by.reason,
      },
    ]);
    emit('schedule:updated', { schedule, deleted: true });
    return schedule;
  });
}

export async function listSchedules(db: Db): Promise<Schedule[]> {
  return (await query<Row>(db, sql`select * from schedules order by name`)).map(scheduleFromRow);
}

export async function getSchedule(db: Db, name: string): Promise<Schedule> {
  const [row] = await query<Row>(db, sql`select * from schedules where name = ${name}`);
  if (!row) throw new NotFoundError('schedule', name);
  return scheduleFromRow(row);
}

// ---------------------------------------------------------------------------------------------
// Firing

export interface FireOutcome {
  /** Slots that enqueued a job in this call. */
  fired: number;
  /** Missed slots older than the one fired (catch-up after downtime), and slots whose job already existed. */
  skipped: number;
}

/**
 * Fires every unpaused schedule whose next slot is at or before `now`, each slot exactly once
 * across all processes, however many call this at the same moment.
 *
 * Per schedule, in ONE transaction: first the compare-and-set that claims the slot (the update
 * matches only while `next_slot_at` is still the slot this call read, and moves it past `now`;
 * a concurrent caller blocks on the row lock, then finds it moved and fires nothing), then the
 * enqueue of the job, with the dedupe key `schedule:<name>:<slot>` as a second guard, then the
 * history entry. A failure rolls all three back, so the slot is tried again on the next call.
 * Only the most recent missed slot fires; older missed slots are counted as skipped.
 */
export async function fireDueSchedules(ctx: ServiceContext, now: Date, by: Actor): Promise<FireOutcome> {
  const due = (
    await query<Row>(
      ctx.db,
      sql`select * from schedules where not paused and next_slot_at <= ${now.toISOString()}::timestamptz order by next_slot_at, id`,
    )
  ).map(scheduleFromRow);
  const outcome: FireOutcome = { fired: 0, skipped: 0 };
  for (const schedule of due) {
    try {
      const result = await fireSlot(ctx, schedule, now, by);
      outcome.fired += result.fired;
      outcome.skipped += result.skipped;
    } catch (error) {
      // One broken schedule does not hold the others back; it is tried again next time.
      ctx.log.warn({ err: error, schedule: schedule.name }, 'could not fire the schedule');
    }
  }
  return outcome;
}

async function fireSlot(ctx: ServiceContext, schedule: Schedule, now: Date, by: Actor): Promise<FireOutcome> {
  const expected = schedule.nextSlotAt!;
  const slot = latestSlotAtOrBefore(schedule.cron, schedule.timezone, now);
  const missed = slotsBetween(schedule.cron, schedule.timezone, expected, slot);
  const next = nextSlotAfter(schedule.cron, schedule.timezone, now);
  const dedupeKey = `schedule:${schedule.name}:${slot.toISOString()}`;
  const outcome = await inTransaction(ctx, async (tx, emit) => {
    const [claimed] = await query<Row>(
      tx,
      sql`update schedules set last_slot_at = ${slot.toISOString()}::timestamptz, next_slot_at = ${next.toISOString()}::timestamptz, updated_at = now()
          where id = ${schedule.id} and not paused and next_slot_at = ${expected.toISOString()}::timestamptz
          returning *`,
    );
    // Another process fired this slot (or the schedule was paused or deleted) since we read it.
    if (!claimed) return null;
    const { job, deduplicated } = await enqueueJob(
      transactionContext(ctx, tx, emit),
      // The kind was checked when the schedule was created: a slot must not be lost to a worker not up yet.
      { kind: schedule.kind, queue: schedule.queue, payload: schedule.payload, dedupeKey, allowUnknownKind: true },
      { actor: by.actor, reason: by.reason ?? `schedule ${schedule.name}` },
    );
    const updated = scheduleFromRow(claimed);
    await appendHistory(tx, emit, [
      {
        actor: by.actor,
        operation: 'fire',
        targetType: 'schedule',
        targetId: schedule.name,
        before: { nextSlotAt: expected.toISOString() },
        after: {
          slot: slot.toISOString(),
          nextSlotAt: next.toISOString(),
          jobId: job.id,
          runId: job.runId,
          deduplicated,
          skippedSlots: missed,
        },
        reason: by.reason ?? null,
      },
    ]);
    emit('schedule:updated', { schedule: updated });
    return { job, deduplicated };
  });
  if (!outcome) return { fired: 0, skipped: 0 };
  ctx.notifier.jobsReady().catch((error) => ctx.log.warn({ err: error }, 'could not notify workers'));
  return { fired: outcome.deduplicated ? 0 : 1, skipped: missed + (outcome.deduplicated ? 1 : 0) };
}
