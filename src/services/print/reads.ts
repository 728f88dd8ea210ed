// Reads of the print pipeline for the API: filtered, keyset-paginated lists (a cursor is the id
// of the last row seen), counts by status, dedupe look-ups.
import { type SQL, sql } from 'drizzle-orm';
import { query, type Db } from '../../db/client.ts';
import { NotFoundError } from '../errors.ts';
import {
  batchFromRow,
  bigintArray,
  dedupeFromRow,
  exportRowFromRow,
  scanFromRow,
  sliceFromRow,
  type Batch,
  type DedupeMarker,
  type ExportRow,
  type Scan,
  type Slice,
} from './model.ts';

type Row = Record<string, unknown>;
export interface Page {
  first: number;
  after: number | null;
}

const inList = (column: SQL, values: readonly string[]) => sql`${column} in (${sql.join(values.map((v) => sql`${v}`), sql`, `)})`;
const and = (conditions: SQL[]) => (conditions.length ? sql.join(conditions, sql` and `) : sql`true`);

export interface ScanFilter {
  status?: readonly string[] | null;
  lane?: string | null;
  scopeName?: string | null;
}

/** Newest first. */
export async function listScans(db: Db, filter: ScanFilter, page: Page): Promise<Scan[]> {
  const where: SQL[] = [];
  if (filter.status?.length) where.push(inList(sql`status`, filter.status));
  if (filter.lane) where.push(sql`lane = ${filter.lane}`);
  if (filter.scopeName) where.push(sql`scope_name = ${filter.scopeName}`);
  if (page.after !== null) where.push(sql`id < ${page.after}`);
  return (await query<Row>(db, sql`select * from print_scans where ${and(where)} order by id desc limit ${page.first}`)).map(scanFromRow);
}

export async function getScans(db: Db, ids: readonly number[]): Promise<Scan[]> {
  return (await query<Row>(db, sql`select * from print_scans where id = any(${bigintArray(ids)})`)).map(scanFromRow);
}

export async function getScan(db: Db, id: number): Promise<Scan> {
  const [scan] = await getScans(db, [id]);
  if (!scan) throw new NotFoundError('printScan', String(id));
  return scan;
}

export type StatusCounts = Record<string, number>;

/** Per scan: its slices, batches and rows counted by status. */
export async function scanCounts(db: Db, scanIds: readonly number[]): Promise<Map<number, { slices: StatusCounts; batches: StatusCounts; rows: StatusCounts }>> {
  const rows = await query<{ scan_id: number; level: string; status: string; n: number }>(
    db,
    sql`select scan_id, 'slices' as level, status, count(*)::int as n from print_slices where scan_id = any(${bigintArray(scanIds)}) group by scan_id, status
        union all
        select scan_id, 'batches', status, count(*)::int from print_batches where scan_id = any(${bigintArray(scanIds)}) group by scan_id, status
        union all
        select scan_id, 'rows', status, count(*)::int from print_export_rows where scan_id = any(${bigintArray(scanIds)}) group by scan_id, status`,
  );
  const counts = new Map(scanIds.map((id) => [id, { slices: {} as StatusCounts, batches: {} as StatusCounts, rows: {} as StatusCounts }]));
  for (const row of rows) {
    const scan = counts.get(Number(row.scan_id));
    if (scan) scan[row.level as 'slices' | 'batches' | 'rows'][row.status] = Number(row.n);
  }
  return counts;
}

/** In order of position. */
export async function listSlices(db: Db, filter: { scanId: number; status?: readonly string[] | null }, page: Page): Promise<Slice[]> {
  const where: SQL[] = [sql`scan_id = ${filter.scanId}`];
  if (filter.status?.length) where.push(inList(sql`status`, filter.status));
  if (page.after !== null) where.push(sql`position > ${page.after}`);
  return (await query<Row>(db, sql`select * from print_slices where ${and(where)} order by position limit ${page.first}`)).map(sliceFromRow);
}

export async function listBatches(db: Db, filter: { sliceId?: number | null; scanId?: number | null; status?: readonly string[] | null }, page: Page): Promise<Batch[]> {
  const where: SQL[] = [];
  if (filter.sliceId) where.push(sql`slice_id = ${filter.sliceId}`);
  if (filter.scanId) where.push(sql`scan_id = ${filter.scanId}`);
  if (filter.status?.length) where.push(inList(sql`status`, filter.status));
  if (page.after !== null) where.push(sql`id > ${page.after}`);
  return (await query<Row>(db, sql`select * from print_batches where ${and(where)} order by id limit ${page.first}`)).map(batchFromRow);
}

export async function batchRowCounts(db: Db, batchIds: readonly number[]): Promise<Map<number, StatusCounts>> {
  const rows = await query<{ batch_id: number; status: string; n: number }>(
    db,
    sql`select batch_id, status, count(*)::int as n from print_export_rows where batch_id = any(${bigintArray(batchIds)}) group by batch_id, status`,
  );
  const counts = new Map(batchIds.map((id) => [id, {} as StatusCounts]));
  for (const row of rows) counts.get(Number(row.batch_id))![row.status] = Number(row.n);
  return counts;
}

export interface ExportRowFilter {
  status?: readonly string[] | null;
  lane?: string | null;
  scanId?: number | null;
  sliceId?: number | null;
  batchId?: number | null;
  documentKey?: string | null;
  errorContains?: string | null;
}

/** Oldest first (the order a cycle prints them in, within a lane). */
export async function listExportRows(db: Db, filter: ExportRowFilter, page: Page): Promise<ExportRow[]> {
  const where: SQL[] = [];
  if (filter.status?.length) where.push(inList(sql`status`, filter.status));
  if (filter.lane) where.push(sql`lane = ${filter.lane}`);
  if (filter.scanId) where.push(sql`scan_id = ${filter.scanId}`);
  if (filter.sliceId) where.push(sql`slice_id = ${filter.sliceId}`);
  if (filter.batchId) where.push(sql`batch_id = ${filter.batchId}`);
  if (filter.documentKey) where.push(sql`document_key = ${filter.documentKey}`);
  if (filter.errorContains) where.push(sql`strpos(lower(error_message), lower(${filter.errorContains})) > 0`);
  if (page.after !== null) where.push(sql`id > ${page.after}`);
  return (await query<Row>(db, sql`select * from print_export_rows where ${and(where)} order by id limit ${page.first}`)).map(exportRowFromRow);
}

export async function findDedupeMarker(db: Db, documentKey: string): Promise<DedupeMarker | null> {
  const [row] = await query<Row>(db, sql`select * from print_dedupe where document_key = ${documentKey}`);
  return row ? dedupeFromRow(row) : null;
}
