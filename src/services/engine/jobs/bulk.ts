// Retry, cancel or delete every job matching a filter, on the server, one transition at a time
// (each with its history entry); jobs whose status does not allow it are counted as skipped.
import type { ServiceContext } from '../../context.ts';
import { DedupeConflictError, InvalidInputError, InvalidTransitionError, NotFoundError } from '../../errors.ts';
import type { Actor } from '../types.ts';
import { cancelJob, deleteJob, retryJob } from './manage.ts';
import { listJobs, type JobFilter } from './read.ts';
import { fromStatuses } from './transitions.ts';

export type BulkOperation = 'retry' | 'cancel' | 'delete';

const operations = { retry: retryJob, cancel: cancelJob, delete: deleteJob } as const;
const PAGE = 500;

export async function applyToJobs(ctx: ServiceContext, filter: JobFilter, operation: BulkOperation, by: Actor) {
  // A condition listJobs ignores (an empty status list, an empty name) would select every job.
  if (!Object.values(filter).some((value) => (Array.isArray(value) ? value.length > 0 : Boolean(value)))) {
    throw new InvalidInputError([{ path: 'filter', message: 'give at least one condition: a bulk operation over every job is refused' }]);
  }
  const allowed = fromStatuses(operation);
  const statuses = filter.status?.length ? filter.status.filter((s) => allowed.includes(s)) : [...allowed];
  const counts = { matched: 0, changed: 0, skipped: 0 };
  if (statuses.length === 0) return counts;
  let before: number | null = null;
  do {
    const page = await listJobs(ctx.db, { ...filter, status: statuses }, { first: PAGE, before });
    for (const job of page.jobs) {
      counts.matched++;
      try {
        await operations[operation](ctx, job.id, by);
        counts.changed++;
      } catch (error) {
        // Moved on (or gone) since the page was read, or blocked by a live duplicate: skip it.
        if (error instanceof InvalidTransitionError || error instanceof NotFoundError || error instanceof DedupeConflictError) counts.skipped++;
        else throw error;
      }
    }
    before = page.nextCursor;
  } while (before !== null);
  return counts;
}
