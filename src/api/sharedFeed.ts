// One read per API process shared by every live view that shows it (the dashboard's overview,
// print lanes and governor, tracking progress). Open dashboards do not multiply database
// statements: a feed reads (a fixed set of statements) at most once per `refreshMs` while the
// events it listens to say something changed, and every `idleRefreshMs` otherwise when it has one
// (ages and metrics move without events); each read is pushed to all its subscribers. A new
// subscriber gets the last read when it is fresh, or the next. What a read holds must be the same
// for every subscriber allowed to subscribe: per-subscriber filters and field authorization apply
// when each subscriber's message is resolved, not here.
import type { ServiceContext } from '../services/context.ts';
import type { EventMap, EventName } from '../services/events.ts';
import { sharedFeedReads } from '../metrics/index.ts';

/** A failed read is tried again after this long (or at the next change). */
const RETRY_MS = 5_000;

/** The events after which the feed is read again; a function keeps only the events it accepts. */
export type FeedChanges = { [K in EventName]?: true | ((payload: EventMap[K]) => boolean) };

export interface SharedFeedOptions<T> {
  /** Names the feed in logs and in pressroom_shared_feed_reads_total. */
  name: string;
  read: () => Promise<T>;
  changes: FeedChanges;
  /** Reads at most this often while changes arrive; a new subscriber takes a read this recent. */
  refreshMs: number;
  /** Reads this often without changes too; absent: only after changes. */
  idleRefreshMs?: number;
}

type Listener<T> = (value: T) => void;

export class SharedFeed<T> {
  private readonly listeners = new Set<Listener<T>>();
  private unsubscribe: (() => void)[] = [];
  private last: { value: T; at: number } | null = null;
  private reading: Promise<T> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private changed = false;
  /** Listening on the bus: from the first subscriber until the last leaves. */
  private started: Promise<void> | null = null;
  /** Counts starts: what was read before the last start is not shared after it. */
  private generation = 0;

  constructor(
    private readonly ctx: ServiceContext,
    private readonly options: SharedFeedOptions<T>,
  ) {}

  /** Calls `listener` with each read from now on; returns a function that stops it. */
  async subscribe(listener: Listener<T>): Promise<() => void> {
    this.listeners.add(listener);
    const unsubscribe = () => {
      if (this.listeners.delete(listener) && this.listeners.size === 0) this.stop();
    };
    try {
      // Subscribers that arrive together share one start (and one set of bus listeners).
      await (this.started ??= this.start());
    } catch (error) {
      unsubscribe();
      throw error;
    }
    return unsubscribe;
  }

  /** The value as of at most `refreshMs` ago. */
  current(): Promise<T> {
    if (this.last && Date.now() - this.last.at < this.options.refreshMs) return Promise.resolve(this.last.value);
    return this.read();
  }

  private async start() {
    const types = Object.keys(this.options.changes) as EventName[];
    this.unsubscribe = types.map((type) =>
      this.ctx.bus.subscribe(type, (payload) => {
        const accepts = this.options.changes[type] as true | ((payload: unknown) => boolean);
        if (accepts === true || accepts(payload)) this.noteChange();
      }),
    );
    // Listening before the first read: nothing that changes meanwhile is missed.
    await Promise.all(types.map((type) => this.ctx.bus.subscribed(type)));
    this.generation++;
    this.last = null;
    this.reading = null;
    this.changed = false;
    if (this.listeners.size > 0) this.scheduleIdle();
  }

  private stop() {
    this.started = null;
    for (const unsubscribe of this.unsubscribe) unsubscribe();
    this.unsubscribe = [];
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private noteChange() {
    if (this.changed || this.listeners.size === 0) return;
    this.changed = true;
    const since = this.last ? Date.now() - this.last.at : this.options.refreshMs;
    this.schedule(Math.max(0, this.options.refreshMs - since));
  }

  private scheduleIdle() {
    if (this.options.idleRefreshMs !== undefined) this.schedule(this.options.idleRefreshMs);
  }

  private schedule(delayMs: number) {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.read().catch((error: unknown) => this.ctx.log.warn({ err: error, feed: this.options.name }, 'shared feed read failed; tried again later'));
    }, delayMs);
    this.timer.unref();
  }

  private read(): Promise<T> {
    this.reading ??= (async (): Promise<T> => {
      this.changed = false;
      const at = Date.now();
      const generation = this.generation;
      let failed = false;
      try {
        sharedFeedReads.inc({ feed: this.options.name });
        const value = await this.options.read();
        // A read begun before the feed last started may predate changes nobody listened to: it
        // answers its callers only.
        if (generation !== this.generation) return value;
        this.last = { value, at };
        for (const listener of this.listeners) listener(value);
        return value;
      } catch (error) {
        failed = true;
        throw error;
      } finally {
        // A read of an earlier start leaves the current start's read and timer alone.
        if (generation === this.generation) this.afterRead(failed);
      }
    })();
    return this.reading;
  }

  private afterRead(failed: boolean) {
    this.reading = null;
    if (this.listeners.size === 0) return;
    if (failed) this.schedule(RETRY_MS);
    else if (this.changed) this.schedule(this.options.refreshMs);
    else this.scheduleIdle();
  }
}

const feeds = new WeakMap<ServiceContext, Map<string, SharedFeed<unknown>>>();

/** The process's one feed named `options.name` over these services (made with these options on first use). */
export function sharedFeed<T>(ctx: ServiceContext, options: SharedFeedOptions<T>): SharedFeed<T> {
  let byName = feeds.get(ctx);
  if (!byName) feeds.set(ctx, (byName = new Map()));
  let feed = byName.get(options.name) as SharedFeed<T> | undefined;
  if (!feed) byName.set(options.name, (feed = new SharedFeed(ctx, options)) as SharedFeed<unknown>);
  return feed;
}
