// The machinery of every live view (src/resolvers/*/subscriptions.ts): bus listeners that wake a
// generator, a fresh snapshot after the bus comes back, and an end that does not wait for an event.
import { GraphQLError } from 'graphql';
import type { ApiContext } from '../../api/context.ts';
import { createLoaders } from '../../api/loaders.ts';
import type { EventMap, EventName } from '../../services/events.ts';
import { subscriptions } from '../../metrics/index.ts';
import type { SharedFeed } from '../../api/sharedFeed.ts';
import { jobFollowers, type Follower } from './jobFollowers.ts';

const MAX_SNAPSHOT = 500;
/** The listener notes what changed and returns true to wake the generator, false to ignore the event. */
type Listen = <K extends EventName>(type: K, listener: (payload: EventMap[K]) => boolean) => void;

/** What a subscription's body works with (it may destructure it). */
interface Live {
  /** Aborted when the subscription ends. */
  signal: AbortSignal;
  wakeup: Wakeup;
  /** Subscribes to a bus event for the life of the subscription. */
  listen: Listen;
  /** Resolves once every event listened to reaches us: call it before reading the snapshot. */
  listening: () => Promise<void>;
  /** Follows a job for the life of the subscription: its changes wake the generator (see jobFollowers.ts). */
  follow: (jobId: number) => Follower;
}

interface Wakeup {
  fire(): void;
  /** Resolves when something was noted since the last wait (true) or the subscription ended (false). */
  wait(): Promise<boolean>;
}

/** What a subscription yields while the event bus is down (then a fresh snapshot once it is back). */
export const busDownError = () =>
  new GraphQLError('Live updates are paused: the event bus (Redis) is unavailable. This subscription sends a fresh snapshot once it is back.', {
    extensions: { code: 'EVENTS_UNAVAILABLE', retryable: true },
  });

/**
 * One live subscription: an async iterator over what its body yields, whose `return()` takes
 * effect at once. A plain async generator waiting for the next event would queue a client's
 * `return()` behind that event (which may never come) and keep its listeners; here `return()`
 * first ends the wait. One object per subscription with its methods on the prototype, and no
 * AbortController unless the body asks for a signal: an API process holds thousands of these,
 * idle most of the time.
 */
class LiveSubscription<T> implements Live, Wakeup, AsyncIterableIterator<T> {
  private pending = false;
  private resolve: (() => void) | null = null;
  private ended = false;
  /** The bus went down or came back: the body stops, and starts again from a fresh snapshot. */
  private restart = false;
  private controller: AbortController | null = null;
  private cleanups: (() => void)[] = [];
  private readonly types = new Set<EventName>();
  private readonly generator: AsyncGenerator<T | GraphQLError>;

  constructor(
    private readonly context: ApiContext,
    body: (live: Live) => AsyncGenerator<T>,
  ) {
    this.generator = this.run(body);
  }

  /**
   * Runs the body; while the event bus is down, yields an EVENTS_UNAVAILABLE error instead (the
   * field's resolver hands it on: graphql-js sends it as that message's error and the stream goes
   * on), waits for the bus, and runs the body again: its first message is a fresh snapshot.
   */
  private async *run(body: (live: Live) => AsyncGenerator<T>): AsyncGenerator<T | GraphQLError> {
    const status = this.context.services.bus.status;
    const stopWatching = status?.onChange(() => {
      this.restart = true;
      this.fire();
    });
    subscriptions.inc();
    try {
      while (!this.ended) {
        this.restart = false;
        if (status && !status.up) {
          yield busDownError();
          while (!status.up && !this.ended) await this.nextWake();
          continue;
        }
        try {
          yield* body(this);
        } finally {
          for (const cleanup of this.cleanups.splice(0)) cleanup();
          this.types.clear();
        }
        if (!this.restart) return;
      }
    } finally {
      stopWatching?.();
      subscriptions.dec();
    }
  }

  private async nextWake() {
    while (!this.pending) await new Promise<void>((resolve) => (this.resolve = resolve));
    this.pending = false;
  }

  get signal(): AbortSignal {
    this.controller ??= new AbortController();
    if (this.ended) this.controller.abort();
    return this.controller.signal;
  }

  get wakeup(): Wakeup {
    return this;
  }

  // Bound when the body takes them, since it may destructure them.
  get listen(): Listen {
    return (type, listener) => {
      this.types.add(type);
      this.cleanups.push(this.context.services.bus.subscribe(type, (payload) => listener(payload) && this.fire()));
    };
  }

  get listening(): () => Promise<void> {
    return async () => void (await Promise.all([...this.types].map((type) => this.context.services.bus.subscribed(type))));
  }

  get follow(): (jobId: number) => Follower {
    return (jobId) => {
      const follower = jobFollowers(this.context.services).follow(jobId, this);
      this.cleanups.push(() => follower.stop());
      return follower;
    };
  }

  fire() {
    this.pending = true;
    this.resolve?.();
    this.resolve = null;
  }

  async wait(): Promise<boolean> {
    await this.nextWake();
    return !this.ended && !this.restart;
  }

  private end() {
    this.ended = true;
    this.controller?.abort();
    this.fire();
  }

  next() {
    return this.generator.next() as Promise<IteratorResult<T>>;
  }

  return(value?: unknown) {
    this.end();
    return this.generator.return(value as never) as Promise<IteratorResult<T>>;
  }

  throw(error?: unknown) {
    this.end();
    return this.generator.throw(error) as Promise<IteratorResult<T>>;
  }

  [Symbol.asyncIterator]() {
    return this;
  }
}

export function live<T>(context: ApiContext, body: (live: Live) => AsyncGenerator<T>): AsyncIterableIterator<T> {
  return new LiveSubscription(context, body);
}

/**
 * The loaders cache per operation, and a subscription is one long operation: each message reads
 * afresh, with new loaders (made only if the message's fields use them).
 */
export function fresh(context: ApiContext) {
  context.loaders = createLoaders(context.services.db);
}

export function snapshotSize(first: number | null | undefined, fallback: number): number {
  const n = first ?? fallback;
  if (!Number.isInteger(n) || n < 0 || n > MAX_SNAPSHOT) {
    throw new GraphQLError(`first must be 0 to ${MAX_SNAPSHOT}`, { extensions: { code: 'INVALID_INPUT' } });
  }
  return n;
}

/**
 * A subscription to a shared feed (src/api/sharedFeed.ts): the feed's value now, then each new
 * read of it. Every subscriber of the process gets the same reads; each message is resolved with
 * the subscriber's own context (its loaders afresh, its authorization).
 */
export function liveFeed<T>(context: ApiContext, feed: SharedFeed<T>): AsyncIterableIterator<T> {
  return live<T>(context, async function* ({ wakeup }) {
    let latest = null as { value: T } | null;
    const stop = await feed.subscribe((value) => {
      latest = { value };
      wakeup.fire();
    });
    try {
      let sent: T = await feed.current();
      fresh(context);
      yield sent;
      while (await wakeup.wait()) {
        if (!latest || latest.value === sent) continue;
        sent = latest.value;
        fresh(context);
        yield sent;
      }
    } finally {
      stop();
    }
  });
}
