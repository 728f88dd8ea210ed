// Governors whose holder is gone (lease expired, or the holding job no longer running) are
// released (seed 000's ensureGovernorNotStuck / healPrintLocks). Not the heartbeat governor:
// that is the supervisor's own, taken over by another process when its lease lapses.
import { healGovernors } from '../governors.ts';
import { HEARTBEAT_GOVERNOR, type SupervisorTask } from './types.ts';

export const healStuckGovernors: SupervisorTask = async ({ ctx, by }) => {
  const healed = await healGovernors(ctx, { actor: by.actor, reason: 'holder gone' }, { except: [HEARTBEAT_GOVERNOR] });
  return { healed: healed.length };
};
