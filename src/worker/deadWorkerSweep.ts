// The supervising process's sweep for dead workers (server mode): every second or so it asks
// PostgreSQL which registered workers lost their session (src/services/engine/liveness.ts) and
// recovers their runs at once. A worker is taken for dead only when two sweeps at least
// `confirmAfterMs` apart both miss its lock: one whose connection merely dropped takes its lock
// again within half a second (src/worker/liveness.ts).
import type { Logger } from 'pino';
import type { ServiceContext } from '../services/context.ts';
import { findWorkersWithoutSession, recoverDeadWorkers } from '../services/engine/liveness.ts';
import { SUPERVISOR_ACTOR } from '../services/engine/supervisor/types.ts';

export class DeadWorkerSweep {
  /** Workers found without their lock, and when they were first found so. */
  private readonly missingSince = new Map<string, number>();

  constructor(
    private readonly services: ServiceContext,
    private readonly log: Logger,
    private readonly confirmAfterMs: number,
  ) {}

  /** One sweep: returns how many runs went back to the queue (or ended). */
  async sweep(): Promise<number> {
    const now = Date.now();
    const missing = new Set(await findWorkersWithoutSession(this.services.db));
    for (const id of this.missingSince.keys()) if (!missing.has(id)) this.missingSince.delete(id);
    const confirmed: string[] = [];
    for (const id of missing) {
      const since = this.missingSince.get(id);
      if (since === undefined) this.missingSince.set(id, now);
      else if (now - since >= this.confirmAfterMs) confirmed.push(id);
    }
    if (confirmed.length === 0) return 0;
    const { dead, recovered } = await recoverDeadWorkers(this.services, confirmed, { actor: SUPERVISOR_ACTOR, reason: 'worker died' });
    for (const id of confirmed) this.missingSince.delete(id);
    this.log.warn({ workers: dead.map((w) => w.id), recovered: recovered.length }, 'workers died: their runs went back to the queue');
    return recovered.length;
  }

  /** Forgets what it saw (this process stopped supervising). */
  reset(): void {
    this.missingSince.clear();
  }
}
