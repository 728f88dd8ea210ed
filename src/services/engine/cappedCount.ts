// Counts for a connection's totalCount, bounded: at millions of rows an exact count reads
// millions of index entries on every page. A count stops at COUNT_CAP and says whether it did.
import { type SQL, sql } from 'drizzle-orm';
import { query, type Db } from '../../db/client.ts';

export const COUNT_CAP = 100_000;

export interface CappedCount {
  /** Exact when `exact`; otherwise COUNT_CAP, and more match. */
  count: number;
  exact: boolean;
}

export async function cappedCount(db: Db, table: 'jobs' | 'history', conditions: SQL[]): Promise<CappedCount> {
  const [row] = await query<{ n: number | string }>(
    db,
    sql`select count(*) as n from (select 1 from ${sql.identifier(table)} where ${sql.join(conditions, sql` and `)} limit ${COUNT_CAP + 1}) capped`,
  );
  const n = Number(row?.n ?? 0);
  return { count: Math.min(n, COUNT_CAP), exact: n <= COUNT_CAP };
}
