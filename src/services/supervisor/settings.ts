// The settings the supervisor runs by. They are runtime settings (src/services/settings.ts and
// runtimeSettings.ts), which ServiceContext.settings follows; a process may pin some of them
// (its environment: PRESSROOM_SUPERVISOR_*), which then win.
import type { ServiceContext } from '../context.ts';

export interface SupervisorSettings {
  /** How often the holder of the heartbeat governor ticks. */
  supervisorIntervalMs: number;
  /** The heartbeat governor's lease: a holder that stops renewing it is replaced within this long. */
  supervisorLeaseMs: number;
  /** A worker not seen (lease renewals) for this long is dead. */
  workerDeadAfterMs: number;
  /** A running job with no heartbeat or progress for this long is stuck. */
  stuckRunningMs: number;
  /** A queued job this long past its run-at is stuck. */
  stuckQueuedMs: number;
  retentionCompletedJobsDays: number;
  retentionFailedJobsDays: number;
  retentionHistoryDays: number;
}

export const DEFAULT_SUPERVISOR_SETTINGS: SupervisorSettings = {
  supervisorIntervalMs: 5_000,
  supervisorLeaseMs: 15_000,
  workerDeadAfterMs: 60_000,
  stuckRunningMs: 15 * 60_000,
  stuckQueuedMs: 30 * 60_000,
  retentionCompletedJobsDays: 7,
  retentionFailedJobsDays: 30,
  retentionHistoryDays: 90,
};

const KEYS = Object.keys(DEFAULT_SUPERVISOR_SETTINGS) as (keyof SupervisorSettings)[];

/** The supervisor's settings now: the runtime settings, with what the process pins on top. */
export function supervisorSettings(ctx: ServiceContext, pinned: Partial<SupervisorSettings> = {}): SupervisorSettings {
  const runtime = ctx.settings as Partial<Record<keyof SupervisorSettings, unknown>>;
  const fromRuntime = Object.fromEntries(KEYS.filter((key) => typeof runtime[key] === 'number').map((key) => [key, runtime[key]]));
  return { ...DEFAULT_SUPERVISOR_SETTINGS, ...fromRuntime, ...definedOnly(pinned) };
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined && v !== null)) as Partial<T>;
}
