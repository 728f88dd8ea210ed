// Enqueue: one statement for any number of jobs (history included), items in the same
// transaction, a debounced NOTIFY after commit. Race-free dedupe rests on a partial unique index.
// Single enqueues that arrive together share one statement (and one commit).
import { sql } from 'drizzle-orm';
import { createBatcher, type Batcher } from '../../batcher.ts';
import { query, type Db } from '../../../db/client.ts';
import { inTransaction, withEvents, type Emit, type ServiceContext } from '../../context.ts';
import { jobSummary } from '../../events.ts';
import { emitHistory } from '../history.ts';
import { jobFromRow } from '../rows.ts';
import type { Actor, Job } from '../types.ts';
import { inputErrorFrom, parseInput } from '../../validate.ts';
import { InvalidInputError, PressroomError } from '../../errors.ts';
import { assertKindsKnown, kindProblems } from '../kinds/check.ts';
import { enqueueInput, type EnqueueInput, type ParsedEnqueueInput } from './input.ts';
import { newRunId } from './runId.ts';
import { NOTIFY_JOBS } from '../notifier.ts';
import { z } from 'zod';

export interface EnqueueResult {
  job: Job;
  /** True when a live job with the same dedupe key already existed; `job` is that job. */
  deduplicated: boolean;
}

const enqueueBatch = z.array(enqueueInput).min(1).max(50_000);

/** `options.engine`: the engine enqueues one of its internal kinds (a bulk job); no one else may. */
export async function enqueueJob(ctx: ServiceContext, input: EnqueueInput, by: Actor, options: { engine?: boolean } = {}): Promise<EnqueueResult> {
  // Validated on its own, so that an issue's path names the field (`kind`), not `0.kind`.
  const request = { input: parseInput(enqueueInput, input), by };
  await assertKindsKnown(ctx, [request.input], options.engine);
  const outcome = await singleEnqueues(ctx).add(request);
  if (!outcome.ok) throw outcome.error;
  return outcome.result;
}

/** All or nothing: any bad job refuses the whole batch (enqueueEach answers job by job). */
export async function enqueueJobs(ctx: ServiceContext, inputs: EnqueueInput[], by: Actor): Promise<EnqueueResult[]> {
  const parsed = parseInput(enqueueBatch, inputs);
  const problems = await kindProblems(ctx, parsed);
  const index = problems.findIndex((problem) => problem !== null);
  if (index >= 0) throw atIndex(index, problems[index]!);
  return enqueueParsed(ctx, parsed.map((input) => ({ input, by })));
}

export type EnqueueOutcome = { ok: true; result: EnqueueResult } | { ok: false; error: PressroomError };

/**
 * Enqueues each valid job (together, in as few statements as enqueueJobs) and answers for each
 * input on its own: its job and dedupe result, or the error that kept it out. One bad job keeps
 * out only itself.
 */
export async function enqueueEach(ctx: ServiceContext, inputs: EnqueueInput[], by: Actor): Promise<EnqueueOutcome[]> {
  const outcomes: EnqueueOutcome[] = [];
  const valid: { index: number; input: ParsedEnqueueInput }[] = [];
  inputs.forEach((input, index) => {
    const parsed = enqueueInput.safeParse(input);
    if (parsed.success) valid.push({ index, input: parsed.data });
    else outcomes[index] = { ok: false, error: inputErrorFrom(parsed.error) };
  });
  const problems = await kindProblems(ctx, valid.map((v) => v.input));
  const accepted = valid.filter((v, i) => {
    const problem = problems[i];
    if (problem) outcomes[v.index] = { ok: false, error: problem };
    return !problem;
  });
  const settled = accepted.length > 0 ? await enqueueSettled(ctx, accepted.map((v) => ({ input: v.input, by }))) : [];
  settled.forEach((outcome, i) => {
    outcomes[accepted[i]!.index] = outcome.ok ? outcome : { ok: false, error: asPressroomError(ctx, outcome.error) };
  });
  return outcomes;
}

function atIndex(index: number, problem: PressroomError): PressroomError {
  if (problem instanceof InvalidInputError) return new InvalidInputError(problem.issues.map((i) => ({ ...i, path: `${index}.${i.path}` })));
  return problem;
}

/** A job the database refused for a reason of its own: its caller learns that, the log the cause (never the caller: SQL). */
function asPressroomError(ctx: ServiceContext, error: unknown): PressroomError {
  if (error instanceof PressroomError) return error;
  ctx.log.warn({ err: error }, 'a job of a batch enqueue could not be stored');
  return new InvalidInputError([{ path: '', message: 'the job could not be stored' }]);
}

interface EnqueueRequest {
  input: ParsedEnqueueInput;
  by: Actor;
}

type Outcome = { ok: true; result: EnqueueResult } | { ok: false; error: unknown };

/**
 * Single enqueues on one database (one pool, or one transaction) coalesce: those that arrive while
 * statements are in flight go together in the next one. A batch that fails is tried again job by
 * job, so one bad job (say, a payload PostgreSQL refuses) fails its own caller only.
 */
const coalescers = new WeakMap<object, Batcher<EnqueueRequest, Outcome>>();

function singleEnqueues(ctx: ServiceContext): Batcher<EnqueueRequest, Outcome> {
  let batcher = coalescers.get(ctx.db);
  if (!batcher) {
    // Two statements at a time: one commits while the next batch fills.
    batcher = createBatcher((requests) => enqueueSettled(ctx, requests), { maxBatch: 500, maxInFlight: 2, rejoin: true });
    coalescers.set(ctx.db, batcher);
  }
  return batcher;
}

async function enqueueSettled(ctx: ServiceContext, requests: EnqueueRequest[]): Promise<Outcome[]> {
  try {
    return (await enqueueParsed(ctx, requests)).map((result) => ({ ok: true, result }));
  } catch (error) {
    if (requests.length === 1) return [{ ok: false, error }];
    return Promise.all(requests.map(async (request) => (await enqueueSettled(ctx, [request]))[0]!));
  }
}

async function enqueueParsed(ctx: ServiceContext, requests: EnqueueRequest[]): Promise<EnqueueResult[]> {
  const notifyInline = ctx.notifier.takeInlineNotify();
  const results = await insertResolvingDuplicates(ctx, requests, notifyInline);
  if (!notifyInline) ctx.notifier.jobsReady().catch((error) => ctx.log.warn({ err: error }, 'could not notify workers'));
  return results;
}

/** `notifyInline`: every insert statement carries the NOTIFY that wakes workers (delivered at its commit). */
async function insertResolvingDuplicates(ctx: ServiceContext, requests: EnqueueRequest[], notifyInline: boolean, tries = 3): Promise<EnqueueResult[]> {
  const parsed = requests.map((request) => request.input);
  const rows = requests.map((request) => toRow(ctx, request.input, request.by));
  const inserted = parsed.some((input) => input.items?.length)
    ? await inTransaction(ctx, async (tx, emit) => {
        const jobs = await insertJobs(tx, emit, rows, notifyInline);
        await insertItems(tx, parsed, rows, jobs);
        return jobs;
      })
    : // Without items the insert is one statement, its own transaction: no BEGIN/COMMIT round trips.
      await withEvents(ctx, (emit) => insertJobs(ctx.db, emit, rows, notifyInline));
  const duplicates = await findLiveDuplicates(
    ctx.db,
    rows.filter((row) => !inserted.has(row.run_id)),
  );
  const results: (EnqueueResult | undefined)[] = rows.map((row) => {
    const job = inserted.get(row.run_id) ?? duplicates.get(row.dedupe_key!);
    return job && { job, deduplicated: !inserted.has(row.run_id) };
  });
  // A duplicate that finished between our insert and our look-up freed its key: enqueue again.
  const unresolved = requests.filter((_, index) => !results[index]);
  if (unresolved.length === 0) return results as EnqueueResult[];
  if (tries <= 1) throw new Error('enqueue kept racing with jobs of the same dedupe key finishing');
  const retried = await insertResolvingDuplicates(ctx, unresolved, notifyInline, tries - 1);
  return results.map((result) => result ?? retried.shift()!);
}

type JobRow = ReturnType<typeof toRow>;

function toRow(ctx: ServiceContext, input: ParsedEnqueueInput, by: Actor) {
  const runAt = input.runAt ?? (input.delayMs !== undefined ? new Date(Date.now() + input.delayMs) : null);
  return {
    run_id: newRunId(input.kind),
    kind: input.kind,
    queue: input.queue,
    payload: input.payload,
    priority: input.priority,
    run_at: runAt?.toISOString() ?? null,
    max_attempts: input.maxAttempts ?? ctx.settings.defaultMaxAttempts,
    backoff: { ...ctx.settings.defaultBackoff, ...input.backoff },
    dedupe_key: input.dedupeKey ?? null,
    governor_key: input.governorKey ?? null,
    items_total: input.items?.length ?? 0,
    created_by: by.actor,
    reason: by.reason ?? null,
  };
}

async function insertJobs(tx: Db, emit: Emit, rows: JobRow[], notify: boolean): Promise<Map<string, Job>> {
  // Most enqueues give no reason: their history rows then need no join back to the input.
  const withReasons = rows.some((row) => row.reason !== null);
  const [out] = await query<{ jobs: Record<string, unknown>[]; history: Record<string, unknown>[] }>(
    tx,
    sql`with input as (
          select * from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as x(
            run_id text, kind text, queue text, payload jsonb, priority int, run_at timestamptz,
            max_attempts int, backoff jsonb, dedupe_key text, governor_key text, items_total int, created_by text, reason text)
        ),
        new_queues as (
          insert into queues (name) select distinct queue from input on conflict do nothing
        ),
        inserted as (
          insert into jobs (run_id, kind, queue, payload, priority, run_at, max_attempts, backoff,
                            dedupe_key, governor_key, items_total, created_by)
          select run_id, kind, queue, payload,
                 -- a queue's priority is a base added to the priority of each job enqueued in it
                 priority + coalesce((select q.priority from queues q where q.name = input.queue), 0),
                 coalesce(run_at, now()), max_attempts, backoff, dedupe_key, governor_key, items_total, created_by
          from input
          on conflict (dedupe_key) where dedupe_key is not null and status in ('queued', 'running', 'paused')
          do nothing
          returning *
        ),
        logged as (
          insert into history (actor, operation, target_type, target_id, after, reason)
          select inserted.created_by, 'enqueue', 'job', inserted.id::text,
                 jsonb_build_object('status', inserted.status, 'runId', inserted.run_id, 'kind', inserted.kind, 'queue', inserted.queue),
                 ${withReasons ? sql`input.reason from inserted join input using (run_id)` : sql`null from inserted`}
          returning *
        )
        select (select coalesce(json_agg(inserted), '[]') from inserted) as jobs,
               (select coalesce(json_agg(logged), '[]') from logged) as history
               ${notify ? sql`, (select 1 from ${NOTIFY_JOBS}) as notified` : sql``}`,
  );
  const jobs = (out?.jobs ?? []).map(jobFromRow);
  for (const job of jobs) emit('job:updated', jobSummary(job));
  emitHistory(emit, out?.history ?? null);
  return new Map(jobs.map((job) => [job.runId, job]));
}

async function insertItems(tx: Db, inputs: ParsedEnqueueInput[], rows: JobRow[], inserted: Map<string, Job>) {
  const items = inputs.flatMap((input, index) => {
    const job = inserted.get(rows[index]!.run_id);
    if (!job || !input.items) return [];
    return input.items.map((item, position) => ({
      job_id: job.id,
      position,
      key: typeof item === 'string' ? item : item.key,
      payload: typeof item === 'string' ? null : (item.payload ?? null),
    }));
  });
  if (items.length === 0) return;
  await tx.execute(
    sql`insert into job_items (job_id, position, key, payload)
        select job_id, position, key, payload
        from jsonb_to_recordset(${JSON.stringify(items)}::jsonb) as x(job_id bigint, position int, key text, payload jsonb)`,
  );
}

async function findLiveDuplicates(db: Db, rows: JobRow[]): Promise<Map<string, Job>> {
  const keys = rows.map((row) => row.dedupe_key).filter((key): key is string => key !== null);
  if (keys.length === 0) return new Map();
  const found = await query<Record<string, unknown>>(
    db,
    sql`select * from jobs
        where dedupe_key in (select jsonb_array_elements_text(${JSON.stringify(keys)}::jsonb))
          and status in ('queued', 'running', 'paused')`,
  );
  return new Map(found.map(jobFromRow).map((job) => [job.dedupeKey!, job]));
}
