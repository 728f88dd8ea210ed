// The per-minute job metrics rollup, a supervisor task. Each tick recounts the minutes since a
// little before the previous tick from the jobs that finished in them (jobs_finished_at), and
// upserts one row per minute, queue and kind: its cost follows the throughput of those minutes,
// not the size of the table. Recounting, not adding, makes it safe to run twice at once, and a
// job whose finish commits late is counted by the next tick.
import { sql } from 'drizzle-orm';
import { query } from '../../../db/client.ts';
import type { SupervisorTask } from '../supervisor/types.ts';
import { BUCKET_BOUNDS_MS, BUCKET_COUNT } from './histogram.ts';

/** Minutes recounted before the previous tick's: finishes that committed late. */
const OVERLAP_MINUTES = 2;
/** A supervisor away for longer leaves the older minutes out rather than scanning days of jobs. */
const MAX_CATCH_UP_MINUTES = 24 * 60;
/** Rollup rows are kept this long. */
export const METRICS_KEPT_DAYS = 30;

const bounds = sql.raw(`array[${BUCKET_BOUNDS_MS.join(',')}]::float8[]`);
/** `array[count(*) filter (where b = 0), ...]`: a histogram of bucket numbers column `b`. */
const histogramOf = (column: string) =>
  sql.raw(`array[${Array.from({ length: BUCKET_COUNT }, (_, i) => `count(*) filter (where ${column} = ${i})`).join(', ')}]::int[]`);

export const rollupJobMetrics: SupervisorTask = async ({ ctx, previousTickAt }) => {
  const since = previousTickAt?.toISOString() ?? null;
  const [row] = await query<{ rows: number | string; purged: number | string }>(
    ctx.db,
    sql`with window_start as (
          select date_trunc('minute', greatest(least(coalesce(${since}::timestamptz, now()), now()) - ${OVERLAP_MINUTES} * interval '1 minute',
                                               now() - ${MAX_CATCH_UP_MINUTES} * interval '1 minute')) as at
        ), finished as (
          select date_trunc('minute', finished_at) as minute, queue, kind, status,
                 case when started_at is not null then width_bucket(extract(epoch from started_at - run_at) * 1000, ${bounds}) end as wb,
                 case when started_at is not null then width_bucket(extract(epoch from finished_at - started_at) * 1000, ${bounds}) end as rb
          from jobs where finished_at >= (select at from window_start)
        ), upserted as (
          insert into job_metrics_minutes (minute, queue, kind, completed, failed, cancelled, wait_buckets, run_buckets)
          select minute, queue, kind,
                 count(*) filter (where status = 'completed'), count(*) filter (where status = 'failed'),
                 count(*) filter (where status = 'cancelled'), ${histogramOf('wb')}, ${histogramOf('rb')}
          from finished group by minute, queue, kind
          on conflict (minute, queue, kind) do update set
            completed = excluded.completed, failed = excluded.failed, cancelled = excluded.cancelled,
            wait_buckets = excluded.wait_buckets, run_buckets = excluded.run_buckets
          returning 1
        ), purged as (
          delete from job_metrics_minutes where minute < now() - ${METRICS_KEPT_DAYS} * interval '1 day' returning 1
        )
        select (select count(*) from upserted) as rows, (select count(*) from purged) as purged`,
  );
  return { rows: Number(row?.rows ?? 0), purged: Number(row?.purged ?? 0) };
};
