// The job subscriptions of one API process, by job. One bus listener per job event serves them
// all, and an event wakes only the followers of its job (a Map lookup, not every subscription
// looking at every event); one database read per change of a job serves all its followers,
// however many there are.
import DataLoader from 'dataloader';
import { jobLoader } from '../../api/loaders.ts';
import type { ServiceContext } from '../../services/context.ts';
import type { EventBus } from '../../services/events.ts';
import type { Job } from '../../services/engine/types.ts';

/** A read of a job shared by its followers; `state` tells two reads apart without a deep compare. */
export interface JobRead {
  job: Job | null;
  state: string;
}

/** What a change of the job wakes. */
export interface Waker {
  fire(): void;
}

const JOB_EVENTS = ['job:updated', 'job:progress', 'job:deleted'] as const;
const GONE: JobRead = { job: null, state: 'null' };

interface Followed {
  wakers: Set<Waker>;
  /** Counts the job's events: a read started at an older version may miss a change. */
  version: number;
  deleted: boolean;
  read: { version: number; promise: Promise<JobRead> } | null;
}

class JobFollowers {
  private readonly jobs = new Map<number, Followed>();
  private unsubscribes: (() => void)[] = [];
  // Uncached: it only batches the reads of one tick (followers of several jobs woken together) into one query.
  private readonly loader: DataLoader<number, Job | null>;

  constructor(private readonly services: ServiceContext) {
    this.loader = jobLoader(services.db, { cache: false });
    // Changes made while the bus was down were never heard: no read from before counts any more.
    services.bus.status?.onChange((up) => {
      if (up) for (const followed of this.jobs.values()) followed.version++;
    });
  }

  /** Follows a job until the follower stops; each waker follows a job at most once. */
  follow(jobId: number, waker: Waker): Follower {
    if (this.jobs.size === 0) this.listen();
    let followed = this.jobs.get(jobId);
    if (!followed) this.jobs.set(jobId, (followed = { wakers: new Set(), version: 0, deleted: false, read: null }));
    followed.wakers.add(waker);
    return new Follower(this, jobId, followed, waker);
  }

  async live(): Promise<void> {
    await Promise.all(JOB_EVENTS.map((type) => this.services.bus.subscribed(type)));
  }

  unfollow(jobId: number, followed: Followed, waker: Waker) {
    if (!followed.wakers.delete(waker) || followed.wakers.size > 0) return;
    this.jobs.delete(jobId);
    if (this.jobs.size === 0) this.unlisten();
  }

  private listen() {
    const { bus } = this.services;
    const changed = (deleted: boolean) => (event: { id: number }) => {
      const followed = this.jobs.get(event.id);
      if (!followed) return;
      followed.version++;
      followed.deleted ||= deleted;
      for (const waker of followed.wakers) waker.fire();
    };
    this.unsubscribes = [bus.subscribe('job:updated', changed(false)), bus.subscribe('job:progress', changed(false)), bus.subscribe('job:deleted', changed(true))];
  }

  private unlisten() {
    for (const unsubscribe of this.unsubscribes) unsubscribe();
    this.unsubscribes = [];
  }

  /**
   * The read of the job's current version, started now if none is. A follower reads only once it
   * is live, so a read of the current version started after every change that could have been
   * missed: a change it has not seen would have bumped the version (or will wake the follower).
   */
  read(jobId: number, followed: Followed): Promise<JobRead> {
    if (followed.read?.version !== followed.version) {
      const promise = followed.deleted ? Promise.resolve(GONE) : this.loader.load(jobId).then((job) => ({ job, state: JSON.stringify(job) }));
      const read = { version: followed.version, promise };
      // A failed read is not kept: the next reader tries again.
      promise.catch(() => followed.read === read && (followed.read = null));
      followed.read = read;
    }
    return followed.read!.promise;
  }
}

/** One subscription following one job. */
export class Follower {
  constructor(
    private readonly followers: JobFollowers,
    private readonly jobId: number,
    private readonly followed: Followed,
    private readonly waker: Waker,
  ) {}

  /** Resolves once every change of the job, published anywhere, wakes this follower: wait for it before the first read. */
  live(): Promise<void> {
    return this.followers.live();
  }

  /** The job (null: deleted or missing) as read after the last change this follower was woken for. */
  read(): Promise<JobRead> {
    return this.followers.read(this.jobId, this.followed);
  }

  /** Stops following; idempotent. */
  stop() {
    this.followers.unfollow(this.jobId, this.followed, this.waker);
  }
}

const byBus = new WeakMap<EventBus, JobFollowers>();

/** The job followers over this bus (one per process in production; the first services seen read the jobs). */
export function jobFollowers(services: ServiceContext): Pick<JobFollowers, 'follow'> {
  let followers = byBus.get(services.bus);
  if (!followers) byBus.set(services.bus, (followers = new JobFollowers(services)));
  return followers;
}
