// The job reads of the jobs subscriptions of one API process, shared by id. Each subscription has
// its own filter, so what it shows is its own; but the rows it reads after a burst of changes are
// the same rows its neighbours read after the same burst. Subscriptions woken together ask for the
// changed jobs together: one statement reads each job once for all of them. A read is shared only
// until the next event about its job (a subscriber woken by that event reads again), and while it
// is under way: nothing is cached.
import DataLoader from 'dataloader';
import { jobLoader } from '../../api/loaders.ts';
import { sharedFeedReads } from '../../metrics/index.ts';
import type { ServiceContext } from '../../services/context.ts';
import type { EventBus } from '../../services/events.ts';
import type { Job } from '../../services/engine/types.ts';

const JOB_EVENTS = ['job:updated', 'job:progress', 'job:deleted'] as const;

class SharedJobReads {
  private readonly pending = new Map<number, Promise<Job | null>>();
  // Uncached: it only batches the reads of one turn of the event loop (subscriptions woken together)
  // into one statement, counted as the shared feed "jobs".
  private readonly loader: DataLoader<number, Job | null>;
  private users = 0;
  private unsubscribes: (() => void)[] = [];

  constructor(private readonly services: ServiceContext) {
    this.loader = jobLoader(services.db, {
      cache: false,
      batchScheduleFn: (dispatch) =>
        setImmediate(() => {
          sharedFeedReads.inc({ feed: 'jobs' });
          dispatch();
        }),
    });
    // Changes made while the bus was down were never heard: no read from before is shared after.
    services.bus.status?.onChange(() => this.pending.clear());
  }

  /** Listens for changes while the caller reads; call the returned function when it no longer does. */
  use(): () => void {
    if (this.users++ === 0) {
      // The bus calls every listener of an event before any woken subscription reads (they resume on a later tick).
      const changed = (event: { id: number }) => void this.pending.delete(event.id);
      this.unsubscribes = JOB_EVENTS.map((type) => this.services.bus.subscribe(type, changed));
    }
    let used = true;
    return () => {
      if (!used) return;
      used = false;
      if (--this.users > 0) return;
      for (const unsubscribe of this.unsubscribes) unsubscribe();
      this.unsubscribes = [];
      this.pending.clear();
    };
  }

  /** The jobs as they are after the changes the caller heard of (null: missing). */
  load(ids: readonly number[]): Promise<(Job | null)[]> {
    return Promise.all(
      ids.map((id) => {
        let read = this.pending.get(id);
        if (!read) {
          const started = this.loader.load(id);
          read = started;
          this.pending.set(id, started);
          const done = () => void (this.pending.get(id) === started && this.pending.delete(id));
          started.then(done, done);
        }
        return read;
      }),
    );
  }
}

const byBus = new WeakMap<EventBus, SharedJobReads>();

/** The shared job reads over this bus (one per process in production; the first services seen read the jobs). */
export function sharedJobReads(services: ServiceContext): Pick<SharedJobReads, 'use' | 'load'> {
  let reads = byBus.get(services.bus);
  if (!reads) byBus.set(services.bus, (reads = new SharedJobReads(services)));
  return reads;
}
