// Counts for a connection's totalCount, bounded: at millions of rows an exact count reads
// millions of index entries on every page. A count stops at COUNT_CAP and says whether it did.
// A condition no index serves (a job's payload text) is tested on at most COUNT_CAP rows, the
// newest first: testing it on every job of a million-job table takes seconds.
import { type SQL, sql } from 'drizzle-orm';
import { query, type Db } from '../../db/client.ts';

export const COUNT_CAP = 100_000;

export interface CappedCount {
  /** Exact when `exact`; otherwise at least this many match (COUNT_CAP when the cap was reached). */
  count: number;
  exact: boolean;
}

/** `cap`: COUNT_CAP but in tests, which cannot make 100,000 rows. */
export async function cappedCount(db: Db, table: 'jobs' | 'history', conditions: SQL[], unindexed?: SQL, cap = COUNT_CAP): Promise<CappedCount> {
  const where = sql.join(conditions, sql` and `);
  if (!unindexed) {
    const [row] = await query<{ n: number | string }>(
      db,
      sql`select count(*) as n from (select 1 from ${sql.identifier(table)} where ${where} limit ${cap + 1}) capped`,
    );
    const n = Number(row?.n ?? 0);
    return { count: Math.min(n, cap), exact: n <= cap };
  }
  const [row] = await query<{ n: number | string; tested: number | string }>(
    db,
    sql`select count(*) filter (where hit) as n, count(*) as tested
        from (select ${unindexed} as hit from ${sql.identifier(table)} where ${where} order by id desc limit ${cap + 1}) tested`,
  );
  const n = Number(row?.n ?? 0);
  return { count: Math.min(n, cap), exact: Number(row?.tested ?? 0) <= cap };
}
