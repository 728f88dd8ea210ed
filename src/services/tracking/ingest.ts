// Devices record their events here (GraphQL recordPrintOsEvents / recordScans, POST /ingest/…):
// validated as a whole batch before anything is stored, stored as they arrive and never edited,
// one row per source key (press + marker; scan id) however often a device sends it, each new
// row listed as waiting in the same statement. A processing run is asked for after the commit.
import { sql } from 'drizzle-orm';
import { z } from 'zod';
import { query } from '../../db/client.ts';
import { withEvents, type ServiceContext } from '../context.ts';
import type { Actor } from '../engine/types.ts';
import { storableJson, storableText } from '../storableJson.ts';
import { parseInput } from '../validate.ts';
import { requestRunSoon } from './runs.ts';
import type { TrackingSource } from './types.ts';

/** Records per call. */
export const MAX_INGEST_BATCH = 1_000;

const text = (max: number) => storableText().min(1, 'must not be empty').max(max);
const time = z.coerce.date({ error: 'must be a date-time such as 2026-11-30T10:15:00Z' }).refine((d) => !Number.isNaN(d.getTime()), 'must be a date-time');

export const printOsEventInput = z
  .object({
    device: text(100).default('print-os'),
    marker: z.number().int('must be a whole number').min(0).max(Number.MAX_SAFE_INTEGER),
    impositionId: text(200),
    status: z.enum(['PRINTED', 'ABORTED']),
    jobName: text(500).nullish(),
    itemId: text(200).nullish(),
    completeTime: time,
    copies: z.number().int().min(0).max(10_000_000).nullish(),
    payload: storableJson.nullish(),
  })
  .strict();

export const scanInput = z
  .object({
    scanId: text(200),
    codeText: text(200),
    scannedAt: time,
    machineId: text(200).nullish(),
    userId: text(200).nullish(),
    operations: storableJson.refine((value) => value !== null && typeof value === 'object', 'must be a list of operation names or an object of name: true'),
    metadata: storableJson.nullish(),
  })
  .strict();

const batch = <T extends z.ZodType>(item: T) =>
  z.array(item).min(1, 'give at least one record').max(MAX_INGEST_BATCH, `at most ${MAX_INGEST_BATCH} records per call`);

export type PrintOsEventInput = z.input<typeof printOsEventInput>;
export type ScanInput = z.input<typeof scanInput>;

export interface IngestResult {
  /** New records stored. */
  recorded: number;
  /** Records stored before (same source key): nothing changed for them. */
  duplicates: number;
}

export async function recordPrintOsEvents(ctx: ServiceContext, events: PrintOsEventInput[], by: Actor): Promise<IngestResult> {
  const rows = parseInput(batch(printOsEventInput), events).map((e) => ({
    device: e.device,
    marker: e.marker,
    imposition_id: e.impositionId,
    status: e.status,
    job_name: e.jobName ?? null,
    item_id: e.itemId ?? null,
    complete_time: e.completeTime.toISOString(),
    copies: e.copies ?? null,
    payload: e.payload ?? null,
  }));
  return store(ctx, 'print_os', rows.length, by, sql`
    insert into print_os_events (device, marker, imposition_id, status, job_name, item_id, complete_time, copies, payload)
    select device, marker, imposition_id, status, job_name, item_id, complete_time, copies, payload
    from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as x(device text, marker bigint, imposition_id text, status text,
      job_name text, item_id text, complete_time timestamptz, copies int, payload jsonb)
    on conflict (device, marker) do nothing
    returning id`);
}

export async function recordScans(ctx: ServiceContext, scans: ScanInput[], by: Actor): Promise<IngestResult> {
  const rows = parseInput(batch(scanInput), scans).map((s) => ({
    scan_id: s.scanId,
    code_text: s.codeText,
    scanned_at: s.scannedAt.toISOString(),
    machine_id: s.machineId ?? null,
    user_id: s.userId ?? null,
    operations: s.operations,
    metadata: s.metadata ?? null,
  }));
  return store(ctx, 'scanner', rows.length, by, sql`
    insert into scans (scan_id, code_text, scanned_at, machine_id, user_id, operations, metadata)
    select scan_id, code_text, scanned_at, machine_id, user_id, operations, metadata
    from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as x(scan_id text, code_text text, scanned_at timestamptz,
      machine_id text, user_id text, operations jsonb, metadata jsonb)
    on conflict (scan_id) do nothing
    returning id`);
}

/** Runs the insert and lists its new rows as waiting, in one statement (one transaction). */
async function store(ctx: ServiceContext, source: TrackingSource, given: number, by: Actor, insert: ReturnType<typeof sql>): Promise<IngestResult> {
  const [row] = await withEvents(ctx, async (emit) => {
    const result = await query<{ recorded: number }>(
      ctx.db,
      sql`with stored as (${insert}),
          waiting as (insert into tracking_pending (source, record_id) select ${source}, id from stored)
          select count(*)::int as recorded from stored`,
    );
    if (result[0]!.recorded > 0) emit('tracking:recorded', { source, recorded: result[0]!.recorded });
    return result;
  });
  const recorded = row!.recorded;
  if (recorded > 0) requestRunSoon(ctx, source, by);
  return { recorded, duplicates: given - recorded };
}
