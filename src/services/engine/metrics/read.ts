// Reading the per-minute rollup: points over a time range (a chart), or one summary per queue.
import { type SQL, sql } from 'drizzle-orm';
import { query, type Db } from '../../../db/client.ts';
import { BUCKET_COUNT, percentile } from './histogram.ts';

export interface MetricsFilter {
  from: Date;
  to: Date;
  queue?: string;
  kind?: string;
}

export interface MetricsPoint {
  /** The start of the step (a point), or of the range (a queue summary). */
  at: Date;
  queue: string | null;
  minutes: number;
  completed: number;
  failed: number;
  cancelled: number;
  waitP50Ms: number | null;
  waitP95Ms: number | null;
  runP50Ms: number | null;
  runP95Ms: number | null;
}

/** The most points one read returns (a day by the minute). */
export const MAX_POINTS = 1_440;

type Row = Record<string, unknown>;

/** `sum(col[1]) as col_1, ...`: histograms summed bucket by bucket in the database. */
const summedBuckets = (column: string) =>
  sql.raw(Array.from({ length: BUCKET_COUNT }, (_, i) => `sum(${column}[${i + 1}]) as ${column}_${i}`).join(', '));

const histogramFrom = (row: Row, column: string) => Array.from({ length: BUCKET_COUNT }, (_, i) => Number(row[`${column}_${i}`] ?? 0));

function conditions(filter: MetricsFilter): SQL {
  const where: SQL[] = [sql`minute >= ${filter.from.toISOString()}`, sql`minute < ${filter.to.toISOString()}`];
  if (filter.queue) where.push(sql`queue = ${filter.queue}`);
  if (filter.kind) where.push(sql`kind = ${filter.kind}`);
  return sql.join(where, sql` and `);
}

function pointFrom(row: Row, at: Date, minutes: number): MetricsPoint {
  const wait = histogramFrom(row, 'wait_buckets');
  const run = histogramFrom(row, 'run_buckets');
  return {
    at,
    queue: (row.queue as string | undefined) ?? null,
    minutes,
    completed: Number(row.completed ?? 0),
    failed: Number(row.failed ?? 0),
    cancelled: Number(row.cancelled ?? 0),
    waitP50Ms: percentile(wait, 0.5),
    waitP95Ms: percentile(wait, 0.95),
    runP50Ms: percentile(run, 0.5),
    runP95Ms: percentile(run, 0.95),
  };
}

/** One point per step of `stepMinutes` from `from` (minute-aligned) to `to`; steps with no finished job are zeros. */
export async function metricsSeries(db: Db, filter: MetricsFilter, stepMinutes: number): Promise<MetricsPoint[]> {
  const stepMs = stepMinutes * 60_000;
  const start = Math.floor(filter.from.getTime() / 60_000) * 60_000;
  const rows = await query<Row>(
    db,
    sql`select floor((extract(epoch from minute) * 1000 - ${start}) / ${stepMs})::int as step,
               sum(completed) as completed, sum(failed) as failed, sum(cancelled) as cancelled,
               ${summedBuckets('wait_buckets')}, ${summedBuckets('run_buckets')}
        from job_metrics_minutes where ${conditions({ ...filter, from: new Date(start) })}
        group by 1`,
  );
  const byStep = new Map(rows.map((row) => [Number(row.step), row]));
  const steps = Math.ceil((filter.to.getTime() - start) / stepMs);
  return Array.from({ length: Math.max(0, steps) }, (_, step) => pointFrom(byStep.get(step) ?? {}, new Date(start + step * stepMs), stepMinutes));
}

/** One summary per queue over the range. */
export async function metricsByQueue(db: Db, filter: MetricsFilter): Promise<MetricsPoint[]> {
  const rows = await query<Row>(
    db,
    sql`select queue, sum(completed) as completed, sum(failed) as failed, sum(cancelled) as cancelled,
               ${summedBuckets('wait_buckets')}, ${summedBuckets('run_buckets')}
        from job_metrics_minutes where ${conditions(filter)}
        group by queue order by queue`,
  );
  const minutes = Math.round((filter.to.getTime() - filter.from.getTime()) / 60_000);
  return rows.map((row) => pointFrom(row, filter.from, minutes));
}
