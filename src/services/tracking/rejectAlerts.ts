// An alert per source while more rejected records wait for an operator than the runtime
// setting trackingRejectAlertThreshold allows; resolved once reprocessing brings them back under.
import { sql } from 'drizzle-orm';
import { query } from '../../db/client.ts';
import type { ServiceContext } from '../context.ts';
import { raiseAlert, resolveAlertsExcept, type AlertTarget } from '../engine/alerts.ts';

export const REJECT_ALERT_KIND = 'tracking.rejects';
const BY = { actor: 'tracking', reason: 'rejected tracking records past the threshold' };

export async function checkRejectAlerts(ctx: ServiceContext): Promise<void> {
  const threshold = ctx.settings.trackingRejectAlertThreshold;
  const counts = await query<{ source: string; rejects: number }>(
    ctx.db,
    sql`select source, count(*)::int as rejects from tracking_outcomes where outcome = 'rejected' group by source`,
  );
  const over: AlertTarget[] = [];
  for (const { source, rejects } of counts) {
    if (rejects <= threshold) continue;
    const target = { targetType: 'trackingSource', targetId: source };
    over.push(target);
    await raiseAlert(
      ctx,
      {
        kind: REJECT_ALERT_KIND,
        severity: 'warning',
        ...target,
        message: `${rejects} ${source} records rejected (threshold ${threshold}): fix the reference data and reprocess the rejects (docs/tracking.md)`,
        details: { rejects, threshold },
      },
      BY,
    );
  }
  await resolveAlertsExcept(ctx, REJECT_ALERT_KIND, over, BY);
}
