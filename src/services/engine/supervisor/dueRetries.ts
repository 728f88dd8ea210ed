// Retries and delayed jobs wait in the queue with a run-at in the future; nothing wakes the
// workers when it passes (they poll). The supervisor counts those that came due since the last
// tick and wakes the workers once if there are any.
import { sql } from 'drizzle-orm';
import { query } from '../../../db/client.ts';
import type { SupervisorTask } from './types.ts';

export const promoteDueRetries: SupervisorTask = async ({ ctx, settings, previousTickAt }) => {
  const since = sql`greatest(${previousTickAt?.toISOString() ?? null}::timestamptz, now() - ${settings.supervisorIntervalMs * 2} * interval '1 millisecond')`;
  const [row] = await query<{ due: number | string }>(
    ctx.db,
    sql`select count(*) as due from jobs where status = 'queued' and run_at <= now() and run_at > ${since}`,
  );
  const due = Number(row?.due ?? 0);
  if (due > 0) await ctx.notifier.jobsReady();
  return { due };
};
