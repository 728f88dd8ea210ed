// Jobs whose worker stopped renewing their lease: back to the queue, or failed when out of attempts.
import { recoverExpiredLeases } from '../jobs/recovery.ts';
import type { SupervisorTask } from './types.ts';

export const recoverLeases: SupervisorTask = async ({ ctx, by }) => {
  const jobs = await recoverExpiredLeases(ctx, { actor: by.actor, reason: 'lease expired' });
  const count = (status: string) => jobs.filter((job) => job.status === status).length;
  return { recovered: jobs.length, requeued: count('queued'), failed: count('failed'), paused: count('paused'), cancelled: count('cancelled') };
};
