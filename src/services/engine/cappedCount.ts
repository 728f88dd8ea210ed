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
  // Without an unindexed condition every row read matches, in whatever order an index gives them.
  const [row] = await query<{ n: number | string; tested: number | string }>(
    db,
    sql`select count(*) filter (where hit) as n, count(*) as tested
        from (select ${unindexed ?? sql`true`} as hit from ${sql.identifier(table)} where ${sql.join(conditions, sql` and `)}
              ${unindexed ? sql`order by id desc` : sql``} limit ${cap + 1}) tested`,
  );
  return { count: Math.min(Number(row?.n ?? 0), cap), exact: Number(row?.tested ?? 0) <= cap };
}
