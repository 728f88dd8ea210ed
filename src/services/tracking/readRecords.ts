// Reading incoming records with what processing made of them, and the markers with their lag.
import { type SQL, sql } from 'drizzle-orm';
import { query, type Db } from '../../db/client.ts';
import { dateOrNull } from '../engine/rows.ts';
import type { Json } from '../engine/types.ts';
import { TRACKING_SOURCES, type PrintOsEvent, type RecordOutcome, type Scan, type TrackingMarker, type TrackingSource } from './types.ts';

type Row = Record<string, unknown>;

export type RecordState = 'waiting' | 'processed' | 'rejected';

export interface RecordFilter {
  state?: RecordState | null;
  /** Print OS events of this imposition; scans of this code. */
  key?: string | null;
  /** Rejects whose reason contains this text. */
  reasonContains?: string | null;
}

const outcomeFromRow = (r: Row): RecordOutcome | null =>
  r.outcome ? { outcome: r.outcome as 'processed' | 'rejected', reason: (r.reason as string | null) ?? null, processedAt: new Date(r.processed_at as string), attempts: Number(r.attempts) } : null;

const printOsFromRow = (r: Row): PrintOsEvent => ({
  id: Number(r.id),
  device: r.device as string,
  marker: Number(r.marker),
  impositionId: r.imposition_id as string,
  status: r.status as 'PRINTED' | 'ABORTED',
  jobName: (r.job_name as string | null) ?? null,
  itemId: (r.item_id as string | null) ?? null,
  completeTime: new Date(r.complete_time as string),
  copies: r.copies === null ? null : Number(r.copies),
  payload: (r.payload as Json | null) ?? null,
  receivedAt: new Date(r.received_at as string),
  outcome: outcomeFromRow(r),
});

const scanFromRow = (r: Row): Scan => ({
  id: Number(r.id),
  scanId: r.scan_id as string,
  codeText: r.code_text as string,
  scannedAt: new Date(r.scanned_at as string),
  machineId: (r.machine_id as string | null) ?? null,
  userId: (r.user_id as string | null) ?? null,
  operations: r.operations as Json,
  metadata: (r.metadata as Json | null) ?? null,
  receivedAt: new Date(r.received_at as string),
  outcome: outcomeFromRow(r),
});

const SOURCES = {
  print_os: { table: sql`print_os_events`, key: sql`imposition_id`, map: printOsFromRow },
  scanner: { table: sql`scans`, key: sql`code_text`, map: scanFromRow },
} as const;

/** Records of a source, newest first, keyset on id, with their outcome. */
export async function listRecords<S extends TrackingSource>(
  db: Db,
  source: S,
  filter: RecordFilter,
  page: { first: number; after: number | null },
): Promise<(S extends 'print_os' ? PrintOsEvent : Scan)[]> {
  const { table, key, map } = SOURCES[source];
  const conditions: SQL[] = [sql`true`];
  if (page.after) conditions.push(sql`r.id < ${page.after}`);
  if (filter.key) conditions.push(sql`r.${key} = ${filter.key}`);
  if (filter.state === 'waiting') conditions.push(sql`exists (select 1 from tracking_pending p where p.source = ${source} and p.record_id = r.id)`);
  if (filter.state === 'processed' || filter.state === 'rejected') conditions.push(sql`o.outcome = ${filter.state}`);
  if (filter.reasonContains) conditions.push(sql`o.reason ilike ${`%${filter.reasonContains}%`}`);
  const rows = await query<Row>(
    db,
    sql`select r.*, o.outcome, o.reason, o.processed_at, o.attempts
        from ${table} r left join tracking_outcomes o on o.source = ${source} and o.record_id = r.id
        where ${sql.join(conditions, sql` and `)}
        order by r.id desc limit ${page.first + 1}`,
  );
  return rows.map(map as (r: Row) => never);
}

/** The processing markers with their lag: what waits, since when, and the rejects left. */
export async function listMarkers(db: Db): Promise<TrackingMarker[]> {
  const rows = await query<Row>(
    db,
    sql`select s.source, coalesce(m.last_processed_id, 0) as last_processed_id, m.last_processed_at,
               coalesce(m.processed_count, 0) as processed_count, coalesce(m.rejected_count, 0) as rejected_count,
               (select count(*)::int from tracking_pending p where p.source = s.source) as waiting,
               (select min(p.queued_at) from tracking_pending p where p.source = s.source) as oldest_waiting_at,
               (select count(*)::int from tracking_outcomes o where o.source = s.source and o.outcome = 'rejected') as rejects_open,
               now() as now
        from (select jsonb_array_elements_text(${JSON.stringify(TRACKING_SOURCES)}::jsonb) as source) s
        left join processing_markers m on m.source = s.source
        order by s.source`,
  );
  return rows.map((r) => {
    const oldest = dateOrNull(r.oldest_waiting_at);
    return {
      source: r.source as TrackingSource,
      lastProcessedId: Number(r.last_processed_id),
      lastProcessedAt: dateOrNull(r.last_processed_at),
      processedCount: Number(r.processed_count),
      rejectedCount: Number(r.rejected_count),
      waiting: Number(r.waiting),
      oldestWaitingAt: oldest,
      lagSeconds: oldest ? Math.max(0, (new Date(r.now as string).getTime() - oldest.getTime()) / 1000) : 0,
      rejectsOpen: Number(r.rejects_open),
    };
  });
}
