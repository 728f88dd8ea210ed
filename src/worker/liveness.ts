// The worker's side of src/services/engine/liveness.ts: a session of its own holding the worker's
// advisory lock while the process lives, taken again at once after the connection drops (a
// PostgreSQL restart), so that only a dead process loses it.
import type { Logger } from 'pino';
import type { Database } from '../db/client.ts';
import { holdLivenessLock, newLivenessKey } from '../services/engine/liveness.ts';

/** How often the worker makes sure it still holds its lock. */
const CHECK_EVERY_MS = 500;

export interface LivenessHold {
  readonly key: number;
  release(): Promise<void>;
}

/** Holds a liveness lock for this process; null in embedded mode (the process is the whole system). */
export async function holdLiveness(database: Partial<Pick<Database, 'openSession'>>, log: Logger): Promise<LivenessHold | null> {
  if (!database.openSession) return null;
  const session = await database.openSession();
  try {
    let key = newLivenessKey();
    // Another live worker holding the same random key is unlikely; pick again if it happens.
    while (!(await holdLivenessLock(session.db, key))) key = newLivenessKey();
    let held = true;
    let checking = false;
    const timer = setInterval(() => {
      // While PostgreSQL is away a check waits for the connection; checks do not pile up behind it.
      if (checking) return;
      checking = true;
      holdLivenessLock(session.db, key).then(
        (ok) => {
          if (!held && ok) log.info('database session back: liveness lock held again');
          if (!ok) log.error({ key }, 'another session holds this worker\'s liveness lock');
          held = ok;
        },
        (error) => {
          if (held) log.warn({ err: error }, 'liveness session lost; retrying');
          held = false;
        },
      ).finally(() => {
        checking = false;
      });
    }, CHECK_EVERY_MS);
    return {
      key,
      async release() {
        clearInterval(timer);
        await session.close().catch(() => {});
      },
    };
  } catch (error) {
    await session.close().catch(() => {});
    throw error;
  }
}
