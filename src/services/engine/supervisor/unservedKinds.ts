// Jobs waiting on a kind that no running worker serves would wait forever: one open alert per
// such kind (how many jobs wait, since when), resolved once a worker serving it runs or the jobs
// are gone. Jobs of paused queues wait on purpose and are left out; a job is counted once it has
// been due for a supervisor interval, so that workers starting with their process are not alerted on.
import { sql } from 'drizzle-orm';
import { query } from '../../../db/client.ts';
import { raiseAlert, resolveAlertsExcept } from '../alerts.ts';
import type { SupervisorTask } from './types.ts';

export const UNSERVED_KIND_ALERT = 'unserved_kind';

export const detectUnservedKinds: SupervisorTask = async ({ ctx, settings, by }) => {
  const rows = await query<{ kind: string; waiting: number | string; since: string }>(
    ctx.db,
    sql`select j.kind, count(*) as waiting, min(j.run_at) as since
        from jobs j
        where j.status = 'queued' and j.run_at < now() - ${settings.supervisorIntervalMs} * interval '1 millisecond'
          and not exists (select 1 from queues q where q.name = j.queue and q.paused)
          and not exists (select 1 from workers w where w.status = 'running' and w.kinds @> jsonb_build_array(j.kind))
        group by j.kind
        order by j.kind`,
  );
  let raised = 0;
  for (const row of rows) {
    const waiting = Number(row.waiting);
    const { created } = await raiseAlert(
      ctx,
      {
        kind: UNSERVED_KIND_ALERT,
        severity: 'warning',
        targetType: 'kind',
        targetId: row.kind,
        message: `${waiting} job${waiting === 1 ? '' : 's'} of kind ${row.kind} wait${waiting === 1 ? 's' : ''}, and no running worker serves that kind`,
        details: { kind: row.kind, waiting, since: new Date(row.since).toISOString() },
      },
      by,
    );
    if (created) raised++;
  }
  const resolved = await resolveAlertsExcept(ctx, UNSERVED_KIND_ALERT, rows.map((row) => ({ targetType: 'kind', targetId: row.kind })), by);
  return { unservedKinds: rows.length, raised, resolved: resolved.length };
};
