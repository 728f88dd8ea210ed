// One overview per API process, shared by every dashboard that shows it. Open dashboards do not
// multiply database statements: the feed reads the overview (a fixed set of statements) at most
// once per REFRESH_MS while events say something changed, and every IDLE_REFRESH_MS otherwise
// (ages and metrics move without events); each read is pushed to all its subscribers. A new
// subscriber gets the last read when it is fresh, or waits for the next.
import type { ServiceContext } from '../../context.ts';
import type { EventName } from '../../events.ts';
import { readOverview, type Overview, type OverviewSources } from './read.ts';

export const REFRESH_MS = 1_000;
export const IDLE_REFRESH_MS = 5_000;

/** The events after which the overview is read again. */
const CHANGES: readonly EventName[] = [
  'job:updated',
  'job:deleted',
  'queue:updated',
  'governor:updated',
  'worker:updated',
  'supervisor:tick',
  'alert:raised',
  'alert:updated',
];

type Listener = (overview: Overview) => void;

export class OverviewFeed {
  private readonly listeners = new Set<Listener>();
  private unsubscribe: (() => void)[] = [];
  private last: Overview | null = null;
  private reading: Promise<Overview> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private changed = false;

  constructor(
    private readonly ctx: ServiceContext,
    private readonly sources: OverviewSources,
  ) {}

  /** Calls `listener` with each overview read from now on; returns a function that stops it. */
  async subscribe(listener: Listener): Promise<() => void> {
    if (this.listeners.size === 0) await this.start();
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) this.stop();
    };
  }

  /** The overview as of at most REFRESH_MS ago. */
  current(): Promise<Overview> {
    if (this.last && Date.now() - this.last.at.getTime() < REFRESH_MS) return Promise.resolve(this.last);
    return this.read();
  }

  private async start() {
    this.unsubscribe = CHANGES.map((type) => this.ctx.bus.subscribe(type, () => this.noteChange()));
    // Listening before the first read: nothing that changes meanwhile is missed.
    await Promise.all(CHANGES.map((type) => this.ctx.bus.subscribed(type)));
    this.last = null;
    this.schedule(IDLE_REFRESH_MS);
  }

  private stop() {
    for (const unsubscribe of this.unsubscribe) unsubscribe();
    this.unsubscribe = [];
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private noteChange() {
    if (this.changed || this.listeners.size === 0) return;
    this.changed = true;
    const since = this.last ? Date.now() - this.last.at.getTime() : REFRESH_MS;
    this.schedule(Math.max(0, REFRESH_MS - since));
  }

  private schedule(delayMs: number) {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.read().catch((error: unknown) => this.ctx.log.warn({ err: error }, 'overview read failed; the next change or tick tries again'));
    }, delayMs);
    this.timer.unref();
  }

  private read(): Promise<Overview> {
    this.reading ??= (async () => {
      this.changed = false;
      try {
        const overview = await readOverview(this.sources);
        this.last = overview;
        for (const listener of this.listeners) listener(overview);
        return overview;
      } finally {
        this.reading = null;
        if (this.listeners.size > 0) this.schedule(this.changed ? REFRESH_MS : IDLE_REFRESH_MS);
      }
    })();
    return this.reading;
  }
}
