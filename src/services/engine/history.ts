// The operation history: append-only, one entry per transition and per manual operation.
import { type SQL, sql } from 'drizzle-orm';
import { query, type Db } from '../../db/client.ts';
import type { Emit } from '../context.ts';
import { cappedCount, type CappedCount } from './cappedCount.ts';
import { historyFromRow } from './rows.ts';
import type { HistoryEntry, Json } from './types.ts';

export interface NewHistoryEntry {
  actor: string;
  operation: string;
  targetType: string;
  targetId: string;
  before?: Json | null;
  after?: Json | null;
  reason?: string | null;
}

export async function appendHistory(tx: Db, emit: Emit, entries: NewHistoryEntry[]): Promise<HistoryEntry[]> {
  if (entries.length === 0) return [];
  const rows = await query<Record<string, unknown>>(
    tx,
    sql`insert into history (actor, operation, target_type, target_id, before, after, reason)
        select actor, operation, target_type, target_id, before, after, reason
        from jsonb_to_recordset(${JSON.stringify(
          entries.map((e) => ({
            actor: e.actor,
            operation: e.operation,
            target_type: e.targetType,
            target_id: e.targetId,
            before: e.before ?? null,
            after: e.after ?? null,
            reason: e.reason ?? null,
          })),
        )}::jsonb) as x(actor text, operation text, target_type text, target_id text, before jsonb, after jsonb, reason text)
        returning *`,
  );
  return emitHistory(emit, rows);
}

/** Publishes history rows that a statement returned (hot paths insert history in a CTE). */
export function emitHistory(emit: Emit, rows: Record<string, unknown>[] | null): HistoryEntry[] {
  const entries = (rows ?? []).map(historyFromRow);
  for (const entry of entries) emit('history:appended', { entry });
  return entries;
}

export interface HistoryFilter {
  targetType?: string;
  targetId?: string;
  actor?: string;
  operation?: string;
  from?: Date;
  to?: Date;
}

export interface HistoryPage {
  entries: HistoryEntry[];
  /** Pass as `before` for the next (older) page; null at the end. */
  nextCursor: number | null;
}

/** Newest first, keyset-paginated on id: stable while entries are appended. */
export async function listHistory(
  db: Db,
  filter: HistoryFilter,
  page: { first: number; before?: number | null },
): Promise<HistoryPage> {
  const conditions = historyConditions(filter);
  if (page.before) conditions.push(sql`id < ${page.before}`);
  const rows = await query<Record<string, unknown>>(
    db,
    sql`select * from history where ${sql.join(conditions, sql` and `)} order by id desc limit ${page.first + 1}`,
  );
  const entries = rows.slice(0, page.first).map(historyFromRow);
  return { entries, nextCursor: rows.length > page.first ? (entries.at(-1)?.id ?? null) : null };
}

/** How many entries match, exact up to COUNT_CAP. */
export const countHistory = (db: Db, filter: HistoryFilter): Promise<CappedCount> => cappedCount(db, 'history', historyConditions(filter));

function historyConditions(filter: HistoryFilter): SQL[] {
  const conditions: SQL[] = [sql`true`];
  if (filter.targetType) conditions.push(sql`target_type = ${filter.targetType}`);
  if (filter.targetId) conditions.push(sql`target_id = ${filter.targetId}`);
  if (filter.actor) conditions.push(sql`actor = ${filter.actor}`);
  if (filter.operation) conditions.push(sql`operation = ${filter.operation}`);
  if (filter.from) conditions.push(sql`at >= ${filter.from.toISOString()}`);
  if (filter.to) conditions.push(sql`at < ${filter.to.toISOString()}`);
  return conditions;
}
