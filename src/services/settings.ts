// Engine defaults. Issue #4 makes these runtime settings; until then they come from the environment.
import type { BackoffPolicy } from './types.ts';

export interface EngineSettings {
  defaultMaxAttempts: number;
  defaultBackoff: BackoffPolicy;
  /** How long a claimed job stays leased without renewal. */
  leaseMs: number;
  /** Error-log entries kept per job (newest first kept). */
  errorLogLimit: number;
}

export const DEFAULT_ENGINE_SETTINGS: EngineSettings = {
  defaultMaxAttempts: 3,
  defaultBackoff: { strategy: 'exponential', baseMs: 1_000, maxMs: 5 * 60_000, jitter: 0.5 },
  leaseMs: 30_000,
  errorLogLimit: 50,
};
