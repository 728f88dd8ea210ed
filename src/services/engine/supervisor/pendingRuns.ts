// Governors with a pending run (and the job to run) but no holder: the release that should have
// started the run did not (its process died in between). Start it now, exactly once.
import { sql } from 'drizzle-orm';
import { query } from '../../../db/client.ts';
import { startPendingRun } from '../governors.ts';
import { governorFromRow } from '../rows.ts';
import type { SupervisorTask } from './types.ts';

export const startPendingRuns: SupervisorTask = async ({ ctx }) => {
  const rows = await query<Record<string, unknown>>(
    ctx.db,
    sql`select * from governors where pending and pending_job is not null and holder is null order by name`,
  );
  let started = 0;
  for (const row of rows) {
    if (await startPendingRun(ctx, governorFromRow(row))) started++;
  }
  return { started };
};
