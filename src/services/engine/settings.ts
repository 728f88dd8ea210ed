// Runtime settings: typed, validated values with defaults. The stored values (table `settings`)
// and the reading, versioning and publishing of changes are in runtimeSettings.ts; this file
// holds their shape, their defaults and the settings the engine reads (EngineSettings).
import { CronExpressionParser } from 'cron-parser';
import { z } from 'zod';
import type { BackoffPolicy } from './types.ts';

const ms = (min: number, max: number) => z.number().int(`must be a whole number of milliseconds`).min(min).max(max);
const days = z.number().int('must be a whole number of days').min(1).max(3650);

export const backoffSetting = z
  .object({
    strategy: z.enum(['exponential', 'fixed']),
    baseMs: ms(0, 86_400_000),
    maxMs: ms(0, 7 * 86_400_000),
    jitter: z.number().min(0).max(1),
  })
  .strict();

function isCron(cron: string): boolean {
  const fields = cron.trim().split(/\s+/).length;
  if (fields !== 5 && fields !== 6) return false;
  try {
    CronExpressionParser.parse(cron, { tz: 'UTC' }).next();
    return true;
  } catch {
    return false;
  }
}

/** One schema per setting: what a stored value must be. */
export const settingShape = {
  supervisorIntervalMs: ms(10, 3_600_000),
  supervisorLeaseMs: ms(20, 7_200_000),
  jobLeaseMs: ms(100, 3_600_000),
  workerDeadAfterMs: ms(100, 86_400_000),
  stuckRunningMs: ms(100, 30 * 86_400_000),
  stuckQueuedMs: ms(100, 30 * 86_400_000),
  defaultMaxAttempts: z.number().int('must be a whole number').min(1).max(100),
  defaultBackoff: backoffSetting,
  retentionCompletedJobsDays: days,
  retentionFailedJobsDays: days,
  retentionHistoryDays: days,
  printPacingMs: ms(0, 600_000),
  printChunkSize: z.number().int('must be a whole number').min(1).max(10_000),
  printSliceSize: z.number().int('must be a whole number').min(1).max(100_000),
  printBatchSize: z.number().int('must be a whole number').min(1).max(10_000),
  maxPrintAttempts: z.number().int('must be a whole number').min(1).max(100),
  printStuckAfterMs: ms(1_000, 86_400_000),
  retentionPrintScansDays: days,
  productionMode: z.boolean(),
  trackingProcessCron: z
    .string()
    .min(1)
    .max(200)
    .refine((cron) => isCron(cron), 'must be a cron expression: 5 fields (minute hour day-of-month month day-of-week), or 6 with seconds first'),
  trackingRejectAlertThreshold: z.number().int('must be a whole number').min(1).max(1_000_000),
};

export type SettingKey = keyof typeof settingShape;
export const SETTING_KEYS = Object.keys(settingShape) as SettingKey[];

/** The whole settings object, with the rules between settings. */
export const runtimeSettingsSchema = z
  .object(settingShape)
  .strict()
  .superRefine((s, issues) => {
    if (s.defaultBackoff.maxMs < s.defaultBackoff.baseMs) {
      issues.addIssue({ code: 'custom', path: ['defaultBackoff', 'maxMs'], message: `must be at least defaultBackoff.baseMs (${s.defaultBackoff.baseMs})` });
    }
    if (s.supervisorLeaseMs <= s.supervisorIntervalMs) {
      issues.addIssue({ code: 'custom', path: ['supervisorLeaseMs'], message: `must be greater than supervisorIntervalMs (${s.supervisorIntervalMs})` });
    }
  });

export type RuntimeSettings = z.output<typeof runtimeSettingsSchema>;

/** A change: any settings, each whole except defaultBackoff, whose fields may be given alone. */
export const settingsPatchSchema = z
  .object({ ...settingShape, defaultBackoff: backoffSetting.partial().strict() })
  .partial()
  .strict();
export type SettingsPatch = z.input<typeof settingsPatchSchema>;

export const SETTING_DESCRIPTIONS: Record<SettingKey, string> = {
  supervisorIntervalMs: 'How often the supervisor ticks.',
  supervisorLeaseMs: 'How long the ticking process holds the supervisor without renewing it; another takes over after that.',
  jobLeaseMs: 'How long a claimed job stays leased without renewal (taken by workers when they start).',
  workerDeadAfterMs: 'A worker not seen for this long is marked dead.',
  stuckRunningMs: 'A running job with no heartbeat or progress for this long is stuck.',
  stuckQueuedMs: 'A queued job this long past its run-at time is stuck.',
  defaultMaxAttempts: 'Attempts of a job enqueued without maxAttempts.',
  defaultBackoff: 'Retry delays of a job enqueued without its own: {strategy, baseMs, maxMs, jitter}.',
  retentionCompletedJobsDays: 'Completed jobs are purged after this many days.',
  retentionFailedJobsDays: 'Failed and cancelled jobs are purged after this many days.',
  retentionHistoryDays: 'History entries are purged after this many days.',
  printPacingMs: 'Pause between print chunks.',
  printChunkSize: 'Lane rows a print cycle takes (and commits) at a time.',
  printSliceSize: 'Documents per slice when a scan is cut into slices.',
  printBatchSize: 'Lane rows per batch when a slice is processed.',
  maxPrintAttempts: 'Print attempts of a lane row before it is FailedExport.',
  printStuckAfterMs: 'A print cycle without progress for this long is stuck (detectStuckPrinter, print maintenance).',
  retentionPrintScansDays: 'Finished print scans (completed, failed, cancelled; with their slices, batches and lane rows) are purged this many days after they finish. Dedupe markers are kept.',
  productionMode: 'Pressroom runs in production: destructive resets (clearAllExportTables) are refused. NODE_ENV=production also counts.',
  trackingProcessCron: 'When production tracking processes new printer and scanner events on schedule (cron, UTC); new events also start a run soon after they arrive.',
  trackingRejectAlertThreshold: 'Rejected tracking records (per source, waiting for reprocessing) past which an alert is raised.',
};

export const DEFAULT_RUNTIME_SETTINGS: RuntimeSettings = {
  supervisorIntervalMs: 5_000,
  supervisorLeaseMs: 15_000,
  jobLeaseMs: 30_000,
  workerDeadAfterMs: 60_000,
  stuckRunningMs: 15 * 60_000,
  stuckQueuedMs: 30 * 60_000,
  defaultMaxAttempts: 3,
  defaultBackoff: { strategy: 'exponential', baseMs: 1_000, maxMs: 5 * 60_000, jitter: 0.5 },
  retentionCompletedJobsDays: 7,
  retentionFailedJobsDays: 30,
  retentionHistoryDays: 90,
  printPacingMs: 0,
  printChunkSize: 250,
  printSliceSize: 1_000,
  printBatchSize: 100,
  maxPrintAttempts: 3,
  printStuckAfterMs: 5 * 60_000,
  retentionPrintScansDays: 30,
  productionMode: false,
  trackingProcessCron: '* * * * *',
  trackingRejectAlertThreshold: 10,
};

/**
 * What the engine reads from ServiceContext.settings: the runtime settings, followed in place
 * when they change (see followRuntimeSettings), and two engine values of their own.
 */
export interface EngineSettings extends RuntimeSettings {
  defaultMaxAttempts: number;
  defaultBackoff: BackoffPolicy;
  /** How long a claimed job stays leased without renewal: the runtime setting jobLeaseMs. */
  leaseMs: number;
  /** Error-log entries kept per job (newest first kept). Not a runtime setting. */
  errorLogLimit: number;
}

export const DEFAULT_ERROR_LOG_LIMIT = 50;

export function engineSettingsFrom(runtime: RuntimeSettings, errorLogLimit = DEFAULT_ERROR_LOG_LIMIT): EngineSettings {
  return { ...structuredClone(runtime), leaseMs: runtime.jobLeaseMs, errorLogLimit };
}

export const DEFAULT_ENGINE_SETTINGS: EngineSettings = engineSettingsFrom(DEFAULT_RUNTIME_SETTINGS);
