// The settings the supervisor runs by. They are runtime settings (src/services/engine/settings.ts and
// runtimeSettings.ts), which ServiceContext.settings follows; a process may pin some of them
// (its environment: PRESSROOM_SUPERVISOR_*), which then win.
import type { ServiceContext } from '../../context.ts';
import type { RuntimeSettings } from '../settings.ts';

const KEYS = [
  'supervisorIntervalMs',
  'supervisorLeaseMs',
  'workerDeadAfterMs',
  'stuckRunningMs',
  'stuckQueuedMs',
  'retentionCompletedJobsDays',
  'retentionFailedJobsDays',
  'retentionHistoryDays',
] as const satisfies readonly (keyof RuntimeSettings)[];

/** The runtime settings a tick reads (their defaults and validation are in src/services/engine/settings.ts). */
export type SupervisorSettings = Pick<RuntimeSettings, (typeof KEYS)[number]>;

/** The supervisor's settings now: the runtime settings, with what the process pins on top. */
export function supervisorSettings(ctx: ServiceContext, pinned: Partial<SupervisorSettings> = {}): SupervisorSettings {
  const runtime = Object.fromEntries(KEYS.map((key) => [key, ctx.settings[key]])) as SupervisorSettings;
  return { ...runtime, ...definedOnly(pinned) };
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined && v !== null)) as Partial<T>;
}
