// Workers not seen (their lease renewals mark them seen) for workerDeadAfterMs are dead.
import { markDeadWorkers } from '../workers.ts';
import type { SupervisorTask } from './types.ts';

export const markWorkersDead: SupervisorTask = async ({ ctx, settings, by }) => {
  const dead = await markDeadWorkers(ctx, settings.workerDeadAfterMs, by.actor);
  return { dead: dead.length };
};
