// What a print cycle does to lane rows, chunk by chunk: claim Queued rows (production before
// historical, paused lanes skipped) as Processing under the cycle's run, then record each row's
// outcome, mark printed documents in the dedupe table and reconcile up the tree, in one
// transaction per chunk. Row outcomes go to the rows themselves; the history gets one entry per
// chunk on the cycle job (see docs/print.md for why).
import { sql } from 'drizzle-orm';
import { query, type Db } from '../../db/client.ts';
import { inTransaction, withEvents, type ServiceContext } from '../context.ts';
import { appendHistory } from '../engine/history.ts';
import type { Actor } from '../engine/types.ts';
import { pausedLanes } from './lanes.ts';
import { exportRowFromRow, LANES, type ExportRow, type Lane } from './model.ts';
import type { DocumentToPrint } from './printers/printer.ts';
import { reconcile } from './reconcile.ts';

/** The cycle run holding rows: the job, its attempt (a re-run of the job is another holder), its worker. */
export interface CycleRun {
  jobId: number;
  attempt: number;
  workerId: string;
}

export interface ClaimedRow {
  row: ExportRow;
  document: DocumentToPrint;
  /** The dedupe table says the document was printed already. */
  alreadyPrinted: boolean;
}

export async function claimPrintChunk(ctx: ServiceContext, run: CycleRun, limit: number): Promise<ClaimedRow[]> {
  const paused = await pausedLanes(ctx.db);
  const claimed: ClaimedRow[] = [];
  for (const lane of LANES.filter((l) => !paused.includes(l))) {
    if (claimed.length >= limit) break;
    claimed.push(...(await claimFromLane(ctx, run, lane, limit - claimed.length)));
  }
  return claimed;
}

async function claimFromLane(ctx: ServiceContext, run: CycleRun, lane: Lane, limit: number): Promise<ClaimedRow[]> {
  const rows = await withEvents(ctx, async (emit) => {
    const rows = await query<Record<string, unknown>>(
      ctx.db,
      sql`with picked as (
            select id from print_export_rows
            where status = 'queued' and lane = ${lane} and (retry_at is null or retry_at <= now())
            order by id limit ${limit}
            for update skip locked
          ),
          claimed as (
            update print_export_rows r set status = 'processing', attempts = r.attempts + 1, last_attempt_at = now(),
              held_by_job_id = ${run.jobId}, held_by_attempt = ${run.attempt}, held_by_worker = ${run.workerId}, updated_at = now()
            from picked where r.id = picked.id
            returning r.*
          )
          select c.*, d.type as doc_type, d.customer as doc_customer, d.content as doc_content,
                 d.content_encoding as doc_encoding, d.content_path as doc_path,
                 exists (select 1 from print_dedupe p where p.document_key = c.document_key) as already_printed
          from claimed c join print_documents d on d.id = c.document_id
          order by c.id`,
    );
    if (rows.length > 0) emit('printLane:updated', { lanes: [lane] });
    return rows;
  });
  return rows.map((r) => {
    const row = exportRowFromRow(r);
    const content = r.doc_content === null ? null : Buffer.from(r.doc_content as string, r.doc_encoding === 'base64' ? 'base64' : 'utf8');
    return {
      row,
      alreadyPrinted: Boolean(r.already_printed),
      document: { key: row.documentKey, type: r.doc_type as string, customer: r.doc_customer as string, content, contentPath: (r.doc_path as string | null) ?? null, attempt: row.attempts },
    };
  });
}

export type RowOutcome =
  /** Printed now: Exported, and marked in the dedupe table. */
  | { rowId: number; outcome: 'printed' }
  /** Printed before (dedupe): Exported without printing. */
  | { rowId: number; outcome: 'skipped' }
  /** Failed this attempt: Queued again after `retryAfterMs`, or FailedExport when attempts ran out. */
  | { rowId: number; outcome: 'failed'; error: string; retryAfterMs: number }
  /** Not tried (the cycle stopped first): Queued again, the attempt given back. */
  | { rowId: number; outcome: 'released' };

export interface ChunkSummary {
  exported: number;
  skipped: number;
  retrying: number;
  failed: number;
  released: number;
  /** Scans whose counts changed. */
  scanIds: number[];
}

interface RowChange {
  id: number;
  status: 'exported' | 'queued' | 'failed_export';
  error: string | null;
  retry_ms: number | null;
  printed: boolean;
  refund: boolean;
}

function changeOf(outcome: RowOutcome, attempts: number, maxAttempts: number): RowChange {
  const base = { id: outcome.rowId, error: null, retry_ms: null, printed: false, refund: false };
  switch (outcome.outcome) {
    case 'printed':
      return { ...base, status: 'exported', printed: true };
    case 'skipped':
      return { ...base, status: 'exported', error: 'already printed: skipped (dedupe)' };
    case 'released':
      return { ...base, status: 'queued', refund: true };
    case 'failed':
      return attempts >= maxAttempts
        ? { ...base, status: 'failed_export', error: `${outcome.error} (attempt ${attempts} of ${maxAttempts})` }
        : { ...base, status: 'queued', error: outcome.error, retry_ms: outcome.retryAfterMs };
  }
}

/** Records the outcomes of a claimed chunk; rows no longer held by this run (reset by recovery) are left alone. */
export async function recordPrintChunk(ctx: ServiceContext, run: CycleRun, claimed: ClaimedRow[], outcomes: RowOutcome[], by: Actor): Promise<ChunkSummary> {
  const attemptsOf = new Map(claimed.map((c) => [c.row.id, c.row.attempts]));
  const maxAttempts = ctx.settings.maxPrintAttempts;
  const changes = outcomes.map((o) => changeOf(o, attemptsOf.get(o.rowId) ?? 1, maxAttempts));
  return inTransaction(ctx, async (tx, emit) => {
    const updated = await query<{ id: number; batch_id: number; scan_id: number; lane: Lane; status: string; document_key: string }>(
      tx,
      sql`with input as (
            select * from jsonb_to_recordset(${JSON.stringify(changes)}::jsonb)
              as x(id bigint, status text, error text, retry_ms int, printed boolean, refund boolean)
          ),
          updated as (
            update print_export_rows r set status = input.status, error_message = input.error,
              retry_at = case when input.retry_ms is null then null else now() + input.retry_ms * interval '1 millisecond' end,
              attempts = r.attempts - case when input.refund then 1 else 0 end, updated_at = now()
            from input
            where r.id = input.id and r.status = 'processing' and r.held_by_job_id = ${run.jobId} and r.held_by_attempt = ${run.attempt}
            returning r.id, r.batch_id, r.scan_id, r.lane, r.status, r.document_key, input.printed
          ),
          marked as (
            insert into print_dedupe (document_key, scan_id, row_id)
            select document_key, scan_id, id from updated where printed
            on conflict (document_key) do nothing
          )
          select id, batch_id, scan_id, lane, status, document_key from updated`,
    );
    const done = updated.filter((row) => row.status !== 'queued');
    const scanIds = await reconcile(tx, emit, [...new Set(done.map((row) => Number(row.batch_id)))], { actor: by.actor, reason: `print cycle job ${run.jobId}` });
    const count = (outcome: RowOutcome['outcome']) => outcomes.filter((o) => o.outcome === outcome).length;
    const failedKeys = updated.filter((row) => row.status === 'failed_export').map((row) => row.document_key);
    const summary: ChunkSummary = {
      exported: count('printed'),
      skipped: count('skipped'),
      retrying: updated.filter((row) => row.status === 'queued').length - count('released'),
      failed: failedKeys.length,
      released: count('released'),
      scanIds: [...new Set([...scanIds, ...updated.map((row) => Number(row.scan_id))])],
    };
    await appendHistory(tx, emit, [
      {
        actor: by.actor,
        operation: 'printChunk',
        targetType: 'job',
        targetId: String(run.jobId),
        after: { ...summary, scanIds: summary.scanIds.slice(0, 20), failedKeys: failedKeys.slice(0, 20), stale: outcomes.length - updated.length },
      },
    ]);
    if (summary.scanIds.length) emit('printScan:updated', { scanIds: summary.scanIds });
    emit('printLane:updated', { lanes: [...new Set(updated.map((row) => row.lane))] });
    return summary;
  });
}

/** How many rows a cycle may still print now, and when the next row waiting for a retry is due. */
export async function printableBacklog(db: Db): Promise<{ ready: number; nextRetryAt: Date | null }> {
  const paused = await pausedLanes(db);
  const lanes = LANES.filter((lane) => !paused.includes(lane));
  if (lanes.length === 0) return { ready: 0, nextRetryAt: null };
  const [row] = await query<{ ready: number; next_retry_at: string | null }>(
    db,
    sql`select count(*) filter (where retry_at is null or retry_at <= now())::int as ready,
               min(retry_at) filter (where retry_at > now()) as next_retry_at
        from print_export_rows where status = 'queued' and lane in (${sql.join(lanes.map((lane) => sql`${lane}`), sql`, `)})`,
  );
  return { ready: Number(row?.ready ?? 0), nextRetryAt: row?.next_retry_at ? new Date(row.next_retry_at) : null };
}

/**
 * Rows left Processing by a run that is gone (its job no longer running that attempt, or its lease
 * expired): FailedExport, as the seed's stuck-printer recovery does. They may have printed before
 * the run died; requeue them to try again (the dedupe table skips those that did).
 */
export async function resetOrphanedRows(ctx: ServiceContext, by: Actor, onlyJobId?: number): Promise<number> {
  return inTransaction(ctx, async (tx, emit) => {
    const rows = await query<{ batch_id: number; lane: Lane; scan_id: number; held_by_job_id: number }>(
      tx,
      sql`update print_export_rows r set status = 'failed_export', updated_at = now(),
            error_message = 'the print cycle holding this row stopped while printing it (job ' || r.held_by_job_id || '); it may have printed: requeue to try again'
          where r.status = 'processing'
            and ${onlyJobId === undefined ? sql`true` : sql`r.held_by_job_id = ${onlyJobId}`}
            and (${onlyJobId !== undefined} or not exists (
              select 1 from jobs j where j.id = r.held_by_job_id and j.status = 'running' and j.attempts = r.held_by_attempt and j.lease_expires_at > now()))
          returning r.batch_id, r.lane, r.scan_id, r.held_by_job_id`,
    );
    if (rows.length === 0) return 0;
    await reconcile(tx, emit, [...new Set(rows.map((r) => Number(r.batch_id)))], by);
    await appendHistory(tx, emit, [
      {
        actor: by.actor,
        operation: 'resetStuckRows',
        targetType: 'job',
        targetId: String(rows[0]!.held_by_job_id),
        before: { status: 'processing' },
        after: { status: 'failed_export', rows: rows.length },
        reason: by.reason,
      },
    ]);
    emit('printScan:updated', { scanIds: [...new Set(rows.map((r) => Number(r.scan_id)))] });
    emit('printLane:updated', { lanes: [...new Set(rows.map((r) => r.lane))] });
    return rows.length;
  });
}
