// Purge by the retention settings (seed 000's CleanOldRecords): completed jobs finished more than
// retentionCompletedJobsDays ago, failed and cancelled jobs finished more than
// retentionFailedJobsDays ago (their items go with them), history entries older than
// retentionHistoryDays. Exactly what is older, nothing else; a dry run only counts.
import { type SQL, sql } from 'drizzle-orm';
import { query, type Db } from '../../../db/client.ts';
import { inTransaction, type ServiceContext } from '../../context.ts';
import { appendHistory } from '../history.ts';
import type { Actor } from '../types.ts';
import type { SupervisorSettings } from './settings.ts';
import type { SupervisorTask } from './types.ts';

export type RetentionSettings = Pick<SupervisorSettings, 'retentionCompletedJobsDays' | 'retentionFailedJobsDays' | 'retentionHistoryDays'>;

export interface PurgeCounts {
  dryRun: boolean;
  completedJobs: number;
  failedJobs: number;
  cancelledJobs: number;
  history: number;
}

const olderThan = (column: SQL, days: number) => sql`${column} < now() - ${days} * interval '1 day'`;

function targets(settings: RetentionSettings) {
  return {
    completedJobs: sql`from jobs where status = 'completed' and ${olderThan(sql`finished_at`, settings.retentionCompletedJobsDays)}`,
    failedJobs: sql`from jobs where status = 'failed' and ${olderThan(sql`finished_at`, settings.retentionFailedJobsDays)}`,
    cancelledJobs: sql`from jobs where status = 'cancelled' and ${olderThan(sql`finished_at`, settings.retentionFailedJobsDays)}`,
    history: sql`from history where ${olderThan(sql`at`, settings.retentionHistoryDays)}`,
  };
}

async function count(db: Db, from: SQL): Promise<number> {
  const [row] = await query<{ count: number | string }>(db, sql`select count(*) as count ${from}`);
  return Number(row?.count ?? 0);
}

async function remove(db: Db, from: SQL): Promise<number> {
  const [row] = await query<{ count: number | string }>(db, sql`with gone as (delete ${from} returning 1) select count(*) as count from gone`);
  return Number(row?.count ?? 0);
}

/**
 * Purges (or, with `dryRun`, counts) what the retention settings say is old. A purge that deleted
 * something is recorded in the history (one entry: the counts and the settings); `recordAlways`
 * records it even when nothing was old (an operator's purge).
 */
export async function purgeByRetention(
  ctx: ServiceContext,
  options: { dryRun: boolean; settings: RetentionSettings; recordAlways?: boolean },
  by: Actor,
): Promise<PurgeCounts> {
  const { settings } = options;
  const from = targets(settings);
  if (options.dryRun) {
    return {
      dryRun: true,
      completedJobs: await count(ctx.db, from.completedJobs),
      failedJobs: await count(ctx.db, from.failedJobs),
      cancelledJobs: await count(ctx.db, from.cancelledJobs),
      history: await count(ctx.db, from.history),
    };
  }
  return inTransaction(ctx, async (tx, emit) => {
    const counts: PurgeCounts = {
      dryRun: false,
      completedJobs: await remove(tx, from.completedJobs),
      failedJobs: await remove(tx, from.failedJobs),
      cancelledJobs: await remove(tx, from.cancelledJobs),
      // Before the entry below is appended: the purge's own record is never purged with it.
      history: await remove(tx, from.history),
    };
    const { dryRun: _, ...deleted } = counts;
    if (options.recordAlways || Object.values(deleted).some((n) => n > 0)) {
      await appendHistory(tx, emit, [
        {
          actor: by.actor,
          operation: 'purge',
          targetType: 'supervisor',
          targetId: 'retention',
          after: { deleted, retention: { ...settings } },
          reason: by.reason ?? 'retention',
        },
      ]);
    }
    return counts;
  });
}

export const purgeOld: SupervisorTask = async ({ ctx, settings, by }) => {
  const { dryRun: _, ...deleted } = await purgeByRetention(ctx, { dryRun: false, settings }, by);
  return deleted;
};
