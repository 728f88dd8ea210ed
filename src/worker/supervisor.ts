// The supervisor runner: every process that runs one contends for the `heartbeat` governor; the
// holder ticks every supervisorIntervalMs and renews its lease as it goes, the others retry and
// take over when the holder's lease lapses (its process hangs): within one lease. Stop releases the
// governor, so that another runner takes over at its next attempt. In server mode the holder also
// holds the supervisor's liveness lock (src/worker/supervisorLock.ts) and sweeps for dead workers
// every second (src/worker/deadWorkerSweep.ts), between ticks; the others look every second
// whether the holder's lock is gone, and take over at once from a holder whose process died.
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import type { ServiceContext } from '../services/context.ts';
import { GovernorBusyError } from '../services/errors.ts';
import { releaseGovernor, renewGovernor, tryAcquireGovernor } from '../services/engine/governors.ts';
import { supervisorSettings, type SupervisorSettings } from '../services/engine/supervisor/settings.ts';
import { heartbeatHolder } from '../services/engine/supervisor/state.ts';
import { runSupervisorTick, type TickOptions } from '../services/engine/supervisor/tick.ts';
import { HEARTBEAT_GOVERNOR, type SupervisorTick } from '../services/engine/supervisor/types.ts';
import type { Database } from '../db/client.ts';
import { DeadWorkerSweep } from './deadWorkerSweep.ts';
import { SupervisorLock } from './supervisorLock.ts';

/**
 * How often the holder looks for workers whose database session ended, and the others whether the
 * holder's did (at most the tick interval). A lock is taken for gone when two looks at least 0.8
 * of this apart miss it: a process whose connection merely dropped takes it again within 0.5 s.
 */
const DEAD_WORKER_SWEEP_MS = 1_000;

export interface SupervisorRunnerOptions {
  services: ServiceContext;
  id?: string;
  /** Settings this runner uses whatever the runtime settings say (tests). */
  settings?: Partial<SupervisorSettings>;
  /** The tasks each tick runs (tests); all by default. */
  tasks?: TickOptions['tasks'];
  /** Server mode: sessions for the supervisor's liveness lock; sweeps for workers whose session ended. */
  database?: Partial<Pick<Database, 'openSession'>>;
}

export function newSupervisorId(): string {
  return `supervisor-${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
}

export class SupervisorRunner {
  readonly id: string;
  private readonly log: Logger;
  private timer: NodeJS.Timeout | null = null;
  private sweepTimer: NodeJS.Timeout | null = null;
  private sweeping: Promise<unknown> | null = null;
  private readonly deadWorkers: DeadWorkerSweep;
  private readonly lock: SupervisorLock | null;
  /** The holder seen without its liveness lock, and since when (server mode). */
  private holderMissing: { holder: string; since: number } | null = null;
  private running: Promise<void> | null = null;
  private stopped = true;
  private holding = false;
  private nextTickAt = 0;
  private ticks = 0;

  constructor(private readonly options: SupervisorRunnerOptions) {
    this.id = options.id ?? newSupervisorId();
    this.log = options.services.log.child({ supervisor: this.id });
    this.deadWorkers = new DeadWorkerSweep(options.services, this.log, this.confirmAfterMs);
    const openSession = options.database?.openSession?.bind(options.database);
    this.lock = openSession ? new SupervisorLock(openSession, this.log) : null;
  }

  private get confirmAfterMs(): number {
    return Math.floor(this.sweepEveryMs * 0.8);
  }

  private get sweepEveryMs(): number {
    return Math.min(DEAD_WORKER_SWEEP_MS, this.settings.supervisorIntervalMs);
  }

  /** True while this runner holds the heartbeat governor (as of its last attempt). */
  get isHolder(): boolean {
    return this.holding;
  }

  /** Ticks this runner has run on its schedule. */
  get tickCount(): number {
    return this.ticks;
  }

  get settings(): SupervisorSettings {
    return supervisorSettings(this.options.services, this.options.settings);
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.nextTickAt = 0;
    this.log.info({ intervalMs: this.settings.supervisorIntervalMs, leaseMs: this.settings.supervisorLeaseMs }, 'supervisor runner started');
    this.schedule(0);
    if (this.lock) this.sweepTimer = setInterval(() => this.sweep(), this.sweepEveryMs);
  }

  private sweep() {
    if (!this.lock || !this.holding || this.sweeping) return;
    this.sweeping = this.deadWorkers
      .sweep()
      .catch((error) => this.log.warn({ err: error }, 'dead-worker sweep failed'))
      .finally(() => {
        this.sweeping = null;
      });
  }

  /**
   * Stops attempting and ticking, waits for a tick under way, and releases the governor. With
   * `release: false` it is left to lapse, as when the process dies (tests).
   */
  async stop(options: { release?: boolean } = {}): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    this.sweepTimer = null;
    await Promise.all([this.running, this.sweeping]);
    this.deadWorkers.reset();
    if (this.holding && options.release !== false) {
      await releaseGovernor(this.options.services, HEARTBEAT_GOVERNOR, { actor: this.id, holder: this.id, reason: 'supervisor stopping' }).catch((error) => {
        if (!(error instanceof GovernorBusyError)) this.log.warn({ err: error }, 'could not release the heartbeat governor');
      });
    }
    this.holding = false;
    await this.lock?.release();
    this.log.info('supervisor runner stopped');
  }

  private schedule(delayMs: number) {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.running = this.attempt()
        .catch((error) => this.log.error({ err: error }, 'supervisor attempt failed'))
        .then((next) => {
          this.running = null;
          this.schedule(typeof next === 'number' ? next : this.settings.supervisorIntervalMs);
        });
    }, delayMs);
  }

  /** Takes or renews the governor; ticks when due. Returns when to attempt next (ms). */
  private async attempt(): Promise<number> {
    const settings = this.settings;
    // Renewed a third of a lease apart at least, however long the interval is.
    const renewEvery = Math.max(10, Math.min(settings.supervisorIntervalMs, Math.floor(settings.supervisorLeaseMs / 3)));
    if (!this.holding) {
      const wait = await this.whileHolderLives(settings);
      if (wait > 0) return wait;
    }
    if (!(await this.takeOrRenew(settings.supervisorLeaseMs))) return Math.max(10, Math.min(settings.supervisorIntervalMs, this.sweepEveryMs));
    const now = Date.now();
    if (now >= this.nextTickAt) {
      this.nextTickAt = now + settings.supervisorIntervalMs;
      // A long tick keeps its lease: renewed beside it, a third of a lease apart.
      const keepAlive = setInterval(() => {
        renewGovernor(this.options.services, HEARTBEAT_GOVERNOR, this.id, settings.supervisorLeaseMs).catch(() => {});
      }, renewEvery);
      try {
        await this.tick(settings);
      } finally {
        clearInterval(keepAlive);
      }
    }
    return Math.max(10, Math.min(renewEvery, this.nextTickAt - Date.now()));
  }

  /**
   * Not holding: how long to wait before looking again while another runner holds the governor, or
   * 0 to try taking it now: it is free, its lease lapsed, or (server mode) its holder's liveness
   * lock is gone, seen twice, and the governor was released from that dead holder.
   */
  private async whileHolderLives(settings: SupervisorSettings): Promise<number> {
    const { services } = this.options;
    const { holder, remainingMs, sessionEnded } = await heartbeatHolder(services.db);
    if (!holder || holder === this.id || remainingMs === 0) return 0;
    const untilLapse = Math.max(10, Math.min(settings.supervisorIntervalMs, remainingMs + 10));
    if (!this.lock) return untilLapse;
    if (!sessionEnded) {
      this.holderMissing = null;
      return Math.min(untilLapse, this.sweepEveryMs);
    }
    const now = Date.now();
    if (this.holderMissing?.holder !== holder) this.holderMissing = { holder, since: now };
    const confirmIn = this.holderMissing.since + this.confirmAfterMs - now;
    if (confirmIn > 0) return Math.max(10, confirmIn);
    this.holderMissing = null;
    try {
      await releaseGovernor(services, HEARTBEAT_GOVERNOR, { actor: this.id, holder, reason: 'its process died (its database session ended)' });
      this.log.warn({ holder }, 'the supervising process died (its database session ended): taking over');
    } catch (error) {
      if (!(error instanceof GovernorBusyError)) throw error;
    }
    return 0;
  }

  private async takeOrRenew(leaseMs: number): Promise<boolean> {
    const { services } = this.options;
    if (this.holding) {
      try {
        // A renewal records nothing: the history shows who took the governor, not every renewal.
        await renewGovernor(services, HEARTBEAT_GOVERNOR, this.id, leaseMs);
        return true;
      } catch (error) {
        if (!(error instanceof GovernorBusyError)) throw error;
        this.holding = false;
        await this.lock?.release();
        this.log.warn('lost the heartbeat governor (its lease lapsed); trying to take it again');
      }
    }
    // The lock first: the others never see this runner named holder without it (unless a holder
    // that lost the governor still has it, and so looks alive: no harm).
    await this.lock?.hold();
    try {
      await tryAcquireGovernor(services, HEARTBEAT_GOVERNOR, this.id, { leaseMs });
    } catch (error) {
      await this.lock?.release();
      if (error instanceof GovernorBusyError) return false;
      throw error;
    }
    this.holding = true;
    this.nextTickAt = 0;
    this.log.info('took the heartbeat governor: this process supervises');
    // A holder that died leaves dead workers behind as a rule: look for them now.
    this.sweep();
    return true;
  }

  private async tick(settings: SupervisorSettings): Promise<SupervisorTick> {
    const tick = await runSupervisorTick(this.options.services, { holder: this.id, trigger: 'schedule', settings, tasks: this.options.tasks });
    this.ticks++;
    const failed = Object.entries(tick.results).filter(([, r]) => !r.ok).map(([name]) => name);
    if (failed.length > 0) this.log.warn({ tick: tick.id, failed }, 'supervisor tick: some tasks failed');
    else this.log.debug({ tick: tick.id, durationMs: tick.durationMs }, 'supervisor tick');
    return tick;
  }
}
