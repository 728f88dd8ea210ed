// Recurring schedules: each due slot fires once, whichever process supervises (src/services/engine/schedules.ts).
import { fireDueSchedules } from '../schedules.ts';
import type { SupervisorTask } from './types.ts';

export const fireSchedules: SupervisorTask = async ({ ctx, by }) => {
  const { fired, skipped } = await fireDueSchedules(ctx, new Date(), by);
  return { fired, skipped };
};
