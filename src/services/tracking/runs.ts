// Processing runs. Each source has one governor (tracking:print_os, tracking:scanner): one
// processor at a time, whichever process runs it. Runs are asked for by the schedule, after new
// records arrive (one waiting run however many arrive), and by hand.
import { sql } from 'drizzle-orm';
import { z } from 'zod';
import { query } from '../../db/client.ts';
import { inTransaction, type ServiceContext } from '../context.ts';
import { releaseGovernor, renewGovernor, requestGovernorRun, tryAcquireGovernor } from '../engine/governors.ts';
import { appendHistory } from '../engine/history.ts';
import type { Actor } from '../engine/types.ts';
import { parseInput } from '../validate.ts';
import { processPending } from './processor.ts';
import { TRACKING_SOURCES, type ProcessOutcome, type TrackingSource } from './types.ts';

export const PROCESS_KIND = 'tracking.process';
export const TRACKING_QUEUE = 'tracking';
export const governorOf = (source: TrackingSource) => `tracking:${source}`;

/** Asks for a processing run of `source` on a worker: enqueued now, or after the running one ends. */
export async function requestTrackingRun(ctx: ServiceContext, source: TrackingSource, by: Actor) {
  return requestGovernorRun(ctx, governorOf(source), { kind: PROCESS_KIND, queue: TRACKING_QUEUE, payload: { source } }, by);
}

/**
 * After an ingest commits: asks for a run, without waiting. Requests of one process coalesce (a
 * burst of ingests asks once or twice), but one asked while another is in flight is always
 * asked again after it, so no record is left waiting for the next scheduled slot.
 */
const inFlight = new WeakMap<object, Map<TrackingSource, { again: boolean }>>();

export function requestRunSoon(ctx: ServiceContext, source: TrackingSource, by: Actor): void {
  let sources = inFlight.get(ctx.db);
  if (!sources) inFlight.set(ctx.db, (sources = new Map()));
  const running = sources.get(source);
  if (running) {
    running.again = true;
    return;
  }
  const state = { again: false };
  sources.set(source, state);
  const loop = async () => {
    do {
      state.again = false;
      await requestTrackingRun(ctx, source, by).catch((error) => ctx.log.warn({ err: error, source }, 'could not ask for a tracking run'));
    } while (state.again);
    sources.delete(source);
  };
  void loop();
}

export const sourceChoice = z.enum(['both', ...TRACKING_SOURCES]);
export type SourceChoice = z.infer<typeof sourceChoice>;
const sourcesOf = (choice: SourceChoice): TrackingSource[] => (choice === 'both' ? [...TRACKING_SOURCES] : [choice]);

/**
 * Processes what waits now, in this process, holding each source's governor; a source whose
 * processor is running elsewhere gives GovernorBusyError (its records are being processed).
 */
export async function processStatusUpdates(ctx: ServiceContext, choice: SourceChoice, by: Actor): Promise<ProcessOutcome[]> {
  const outcomes: ProcessOutcome[] = [];
  for (const source of sourcesOf(parseInput(sourceChoice, choice))) {
    outcomes.push(await underGovernor(ctx, source, by, () => processPending(ctx, source)));
  }
  return outcomes;
}

async function underGovernor<T>(ctx: ServiceContext, source: TrackingSource, by: Actor, work: () => Promise<T>): Promise<T> {
  const name = governorOf(source);
  const holder = `${by.actor}:manual:${process.pid}:${Date.now()}`;
  const leaseMs = ctx.settings.leaseMs;
  await tryAcquireGovernor(ctx, name, holder, { leaseMs });
  const renewal = setInterval(() => {
    renewGovernor(ctx, name, holder, leaseMs).catch((error) => ctx.log.warn({ err: error, governor: name }, 'could not renew the tracking governor'));
  }, Math.max(100, Math.floor(leaseMs / 3)));
  try {
    return await work();
  } finally {
    clearInterval(renewal);
    await releaseGovernor(ctx, name, { ...by, holder });
  }
}

const reprocessInput = z.object({
  source: z.enum(TRACKING_SOURCES),
  fromMarker: z.number().int('must be a whole number').min(1, 'markers start at 1'),
});

/**
 * Admin recovery: every record of `source` from `fromMarker` on waits again, and the marker goes
 * back to just before it. Idempotent by construction: results keep the most recent event, the
 * status-update history is unique per record, production job and operation.
 */
export async function reprocessTracking(ctx: ServiceContext, input: z.input<typeof reprocessInput>, by: Actor): Promise<{ queued: number }> {
  const { source, fromMarker } = parseInput(reprocessInput, input);
  const table = source === 'print_os' ? sql`print_os_events` : sql`scans`;
  const queued = await inTransaction(ctx, async (tx, emit) => {
    const [row] = await query<{ queued: number }>(
      tx,
      sql`with queued as (
            insert into tracking_pending (source, record_id) select ${source}, id from ${table} where id >= ${fromMarker}
            on conflict do nothing returning 1)
          select count(*)::int as queued from queued`,
    );
    await tx.execute(sql`update processing_markers set last_processed_id = ${fromMarker - 1}, updated_at = now() where source = ${source}`);
    await appendHistory(tx, emit, [
      { actor: by.actor, operation: 'reprocess', targetType: 'trackingSource', targetId: source, after: { fromMarker, queued: row!.queued }, reason: by.reason },
    ]);
    return row!.queued;
  });
  if (queued > 0) await requestTrackingRun(ctx, source, by);
  return { queued };
}

const rejectFilter = z
  .object({
    source: z.enum(TRACKING_SOURCES).nullish(),
    /** Rejects whose reason contains this text (case-insensitive). */
    reasonContains: z.string().min(1).max(500).nullish(),
    recordIds: z.array(z.number().int().min(1)).max(10_000).nullish(),
  })
  .strict();

export type RejectFilter = z.input<typeof rejectFilter>;

/** Rejected records matching the filter wait again, for a run to process after the reference data was fixed. */
export async function reprocessRejects(ctx: ServiceContext, filter: RejectFilter, by: Actor): Promise<{ queued: number }> {
  const parsed = parseInput(rejectFilter, filter);
  const queuedBySource = await inTransaction(ctx, async (tx, emit) => {
    const rows = await query<{ source: TrackingSource; queued: number }>(
      tx,
      sql`with queued as (
            insert into tracking_pending (source, record_id)
            select source, record_id from tracking_outcomes
            where outcome = 'rejected'
              and (${parsed.source ?? null}::text is null or source = ${parsed.source ?? null})
              and (${parsed.reasonContains ?? null}::text is null or reason ilike '%' || ${parsed.reasonContains ?? null} || '%')
              and (${parsed.recordIds ? JSON.stringify(parsed.recordIds) : null}::jsonb is null
                   or record_id in (select (jsonb_array_elements_text(${parsed.recordIds ? JSON.stringify(parsed.recordIds) : null}::jsonb))::bigint))
            on conflict do nothing returning source)
          select source, count(*)::int as queued from queued group by source`,
    );
    const total = rows.reduce((sum, r) => sum + r.queued, 0);
    await appendHistory(tx, emit, [
      { actor: by.actor, operation: 'reprocessRejects', targetType: 'trackingSource', targetId: parsed.source ?? 'both', after: { ...parsed, queued: total }, reason: by.reason },
    ]);
    return rows;
  });
  for (const { source } of queuedBySource) await requestTrackingRun(ctx, source, by);
  return { queued: queuedBySource.reduce((sum, r) => sum + r.queued, 0) };
}
