// The supervising process's liveness (server mode): while a runner holds the heartbeat governor it
// also holds the supervisor's advisory lock on a session of its own, made sure of every half second
// (taken again after a reconnect). When the process dies its session ends and the lock is gone:
// the other runners see it within a second or two and take the governor over
// (src/worker/supervisor.ts), instead of waiting for its lease to lapse.
import type { Logger } from 'pino';
import type { DatabaseSession } from '../db/client.ts';
import { holdLivenessLock, SUPERVISOR_LIVENESS_KEY } from '../services/engine/liveness.ts';

/** How often the holder makes sure it still holds the lock (as a worker does its own). */
const CHECK_EVERY_MS = 500;

export class SupervisorLock {
  private session: DatabaseSession | null = null;
  private timer: NodeJS.Timeout | null = null;
  private checking: Promise<boolean> | null = null;
  private held = false;

  constructor(
    private readonly openSession: () => Promise<DatabaseSession>,
    private readonly log: Logger,
  ) {}

  /**
   * Holds the lock from now on: resolves after the first try (false while another session, a
   * holder that lost the governor and has not let go yet, still has it; tried again meanwhile).
   */
  async hold(): Promise<boolean> {
    this.timer ??= setInterval(() => void this.check(), CHECK_EVERY_MS);
    return this.check();
  }

  private check(): Promise<boolean> {
    // While PostgreSQL is away a check waits for the connection; checks do not pile up behind it.
    this.checking ??= (async () => {
      this.session ??= await this.openSession();
      return holdLivenessLock(this.session.db, SUPERVISOR_LIVENESS_KEY);
    })()
      .catch((error) => {
        // Once per loss, not every half second while PostgreSQL is away.
        if (this.held) this.log.warn({ err: error }, 'supervisor liveness session lost; retrying');
        return false;
      })
      .then((held) => (this.held = held))
      .finally(() => {
        this.checking = null;
      });
    return this.checking;
  }

  /** Lets go of the lock (this process no longer supervises): its session ends, and the lock with it. */
  async release(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.checking;
    await this.session?.close().catch(() => {});
    this.session = null;
    this.held = false;
  }
}
