// Configuration from the environment, validated once at start-up: every bad value is named
// with what was expected, and the process stops before touching anything.
import { z } from 'zod';
import { ConfigError } from './services/errors.ts';

const int = (min: number, max: number, fallback: number) =>
  z.coerce.number({ error: `expected a whole number from ${min} to ${max}` }).int(`expected a whole number from ${min} to ${max}`).min(min, `expected at least ${min}`).max(max, `expected at most ${max}`).default(fallback);

const urlWithScheme = (schemes: string[]) =>
  z
    .string()
    .refine((value) => {
      try {
        return schemes.includes(new URL(value).protocol);
      } catch {
        return false;
      }
    }, `expected a URL starting with ${schemes.map((s) => `${s}//`).join(' or ')}`)
    .optional();

const environment = z.object({
  DATABASE_URL: urlWithScheme(['postgres:', 'postgresql:']),
  REDIS_URL: urlWithScheme(['redis:', 'rediss:']),
  /** Redis channels are `<prefix>:<event>`: deployments sharing one Redis keep apart by prefix. */
  PRESSROOM_REDIS_PREFIX: z.string().regex(/^[A-Za-z0-9_.-]+$/, 'letters, digits and _ . - only').default('pressroom'),
  PRESSROOM_DATA_DIR: z.string().min(1).default('./.pressroom'),
  PRESSROOM_DB_POOL_SIZE: int(1, 200, 10),
  /** How long opening a database connection may take; queries waiting on it then fail with DATABASE_UNAVAILABLE. */
  PRESSROOM_DB_CONNECT_TIMEOUT_MS: int(100, 120_000, 5_000),
  PRESSROOM_WORKER_CONCURRENCY: int(1, 1_000, 10),
  PRESSROOM_WORKER_QUEUES: z
    .string()
    .optional()
    .transform((value) => (value ? value.split(',').map((q) => q.trim()).filter(Boolean) : null)),
  /** The worker's buffer of claimed jobs: about this much work at the handlers' recent pace (0: none), at most PREFETCH_MAX jobs. */
  PRESSROOM_WORKER_PREFETCH_MS: int(0, 60_000, 100),
  PRESSROOM_WORKER_PREFETCH_MAX: int(0, 10_000, 1_000),
  PRESSROOM_LEASE_MS: int(1_000, 3_600_000, 30_000),
  PRESSROOM_POLL_INTERVAL_MS: int(10, 60_000, 1_000),
  PRESSROOM_SHUTDOWN_GRACE_MS: int(0, 600_000, 10_000),
  PRESSROOM_MAX_ATTEMPTS: int(1, 100, 3),
  /** The supervisor's cadence and lease (runtime settings supervisorIntervalMs/supervisorLeaseMs when none is stored). */
  PRESSROOM_SUPERVISOR_INTERVAL_MS: int(10, 3_600_000, 5_000),
  PRESSROOM_SUPERVISOR_LEASE_MS: int(20, 7_200_000, 15_000),
  /** Extra handler modules (comma-separated paths), each exporting `handlers`. */
  PRESSROOM_HANDLERS: z
    .string()
    .optional()
    .transform((value) => (value ? value.split(',').map((p) => p.trim()).filter(Boolean) : [])),
  /** Where the default printer writes documents; `print-output` in the data folder when unset. */
  PRESSROOM_PRINT_DIR: z.string().min(1).optional(),
  /** folder (the default) or scripted (tests and demos: fails, retries or hangs on chosen documents). */
  PRESSROOM_PRINTER: z.enum(['folder', 'scripted']).default('folder'),
  /** The scripted printer's rules, JSON (src/services/print/printers/scriptedPrinter.ts). */
  PRESSROOM_PRINTER_SCRIPT: z
    .string()
    .optional()
    .refine((value) => {
      if (value === undefined) return true;
      try {
        JSON.parse(value);
        return true;
      } catch {
        return false;
      }
    }, 'expected JSON'),
  PRESSROOM_HOST: z.string().min(1).default('127.0.0.1'),
  PRESSROOM_PORT: int(0, 65_535, 4_000),
  /** Abuse limits of each API process (src/api/limits); 0 turns one off. */
  PRESSROOM_LIMIT_WS_CONNECTIONS_PER_KEY: int(0, 1_000_000, 1_000),
  PRESSROOM_LIMIT_WS_CONNECTIONS_PER_ADDRESS: int(0, 1_000_000, 1_000),
  PRESSROOM_LIMIT_SUBSCRIPTIONS_PER_KEY: int(0, 10_000_000, 10_000),
  PRESSROOM_LIMIT_SUBSCRIPTIONS_PER_ADDRESS: int(0, 10_000_000, 10_000),
  PRESSROOM_LIMIT_AUTH_FAILURES_PER_MINUTE: int(0, 1_000_000, 20),
  PRESSROOM_LIMIT_REQUESTS_PER_SECOND_PER_KEY: int(0, 1_000_000, 200),
  /** production: field suggestions off. */
  NODE_ENV: z.string().default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
}).superRefine((env, issues) => {
  // Checked here, before the database is opened: a runner whose lease lapses between its ticks
  // would hand the supervisor to another process every interval.
  if (env.PRESSROOM_SUPERVISOR_LEASE_MS <= env.PRESSROOM_SUPERVISOR_INTERVAL_MS) {
    issues.addIssue({
      code: 'custom',
      path: ['PRESSROOM_SUPERVISOR_LEASE_MS'],
      message: `must be greater than PRESSROOM_SUPERVISOR_INTERVAL_MS (${env.PRESSROOM_SUPERVISOR_INTERVAL_MS})`,
    });
  }
});

export type Config = z.output<typeof environment>;

/** Reads the configuration; unset and empty variables take their defaults. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const result = environment.safeParse(present);
  if (result.success) return result.data;
  throw new ConfigError(result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`));
}
