// Abuse limits of one API process (set by PRESSROOM_LIMIT_*, documented in docs/operations.md):
// graphql-ws connections and subscriptions per API key and per address, failed authentications
// per address (an address over the limit is refused for a while without its keys being looked
// up), and requests per API key (graphql-ws operations count as requests). 0 turns a limit off.
// Counts are per process: behind a load balancer of N processes a client gets up to N times each.
import type { Config } from '../../config.ts';
import type { Db } from '../../db/client.ts';
import { refusals } from '../../metrics/index.ts';
import { resolveCaller } from '../auth.ts';
import type { Caller } from '../context.ts';
import { AuthLockedError, RateLimitedError, TooManySubscriptionsError, type LimitError } from './errors.ts';

export interface AbuseLimits {
  wsConnectionsPerKey: number;
  wsConnectionsPerAddress: number;
  subscriptionsPerKey: number;
  subscriptionsPerAddress: number;
  /** Failed authentications from one address within a minute before it is refused for a minute. */
  authFailuresPerAddress: number;
  /** Requests a second per API key (a burst of twice that is allowed). */
  requestsPerKey: number;
}

/** What an API server started without limits (tests, embedding) enforces: nothing. */
export const NO_LIMITS: AbuseLimits = {
  wsConnectionsPerKey: 0,
  wsConnectionsPerAddress: 0,
  subscriptionsPerKey: 0,
  subscriptionsPerAddress: 0,
  authFailuresPerAddress: 0,
  requestsPerKey: 0,
};

/** The defaults of the PRESSROOM_LIMIT_* settings (src/config.ts). */
export const DEFAULT_LIMITS: AbuseLimits = {
  wsConnectionsPerKey: 1_000,
  wsConnectionsPerAddress: 1_000,
  subscriptionsPerKey: 10_000,
  subscriptionsPerAddress: 10_000,
  authFailuresPerAddress: 20,
  requestsPerKey: 200,
};

/** The limits the environment sets (PRESSROOM_LIMIT_*). */
export function limitsFrom(config: Config): AbuseLimits {
  return {
    wsConnectionsPerKey: config.PRESSROOM_LIMIT_WS_CONNECTIONS_PER_KEY,
    wsConnectionsPerAddress: config.PRESSROOM_LIMIT_WS_CONNECTIONS_PER_ADDRESS,
    subscriptionsPerKey: config.PRESSROOM_LIMIT_SUBSCRIPTIONS_PER_KEY,
    subscriptionsPerAddress: config.PRESSROOM_LIMIT_SUBSCRIPTIONS_PER_ADDRESS,
    authFailuresPerAddress: config.PRESSROOM_LIMIT_AUTH_FAILURES_PER_MINUTE,
    requestsPerKey: config.PRESSROOM_LIMIT_REQUESTS_PER_SECOND_PER_KEY,
  };
}

const MINUTE_MS = 60_000;

/** How many of something each key holds now. */
class Tally {
  private readonly counts = new Map<string, number>();
  get(key: string) {
    return this.counts.get(key) ?? 0;
  }
  add(key: string, n = 1) {
    const next = this.get(key) + n;
    if (next <= 0) this.counts.delete(key);
    else this.counts.set(key, next);
  }
}

/** A token bucket per key: `perSecond` tokens a second, up to twice that saved up. */
class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  constructor(private readonly perSecond: number) {}

  /** Takes a token; returns 0, or the seconds until one is available. */
  take(key: string): number {
    const now = Date.now();
    const capacity = this.perSecond * 2;
    const bucket = this.buckets.get(key) ?? { tokens: capacity, at: now };
    bucket.tokens = Math.min(capacity, bucket.tokens + ((now - bucket.at) / 1_000) * this.perSecond);
    bucket.at = now;
    this.buckets.set(key, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - bucket.tokens) / this.perSecond));
  }
}

/** Failed authentications per address in the current minute; an address over the limit is locked until the minute ends. */
class AuthFailures {
  private readonly windows = new Map<string, { failures: number; since: number }>();
  constructor(private readonly max: number) {}

  /** 0 when the address may try; otherwise the seconds until it may. */
  lockedFor(address: string): number {
    const window = this.windows.get(address);
    if (!window) return 0;
    const left = window.since + MINUTE_MS - Date.now();
    if (left <= 0) {
      this.windows.delete(address);
      return 0;
    }
    return window.failures >= this.max ? Math.ceil(left / 1_000) : 0;
  }

  record(address: string) {
    const now = Date.now();
    const window = this.windows.get(address);
    if (!window || now - window.since >= MINUTE_MS) this.windows.set(address, { failures: 1, since: now });
    else window.failures++;
    // Addresses whose minute is over are forgotten as they come by; this bounds the map on a scan.
    if (this.windows.size > 10_000) for (const [key, w] of this.windows) if (now - w.since >= MINUTE_MS) this.windows.delete(key);
  }
}

/** Who a WebSocket connection counts against. */
export interface ConnectionHolder {
  address: string;
  /** The API key's name; null for the local admin (no keys exist) and before authentication. */
  key: string | null;
  subscriptions: Set<string>;
}

export class AbuseGuard {
  private readonly limits: AbuseLimits;
  private readonly rate: RateLimiter | null;
  private readonly authFailures: AuthFailures | null;
  private readonly connections = { byKey: new Tally(), byAddress: new Tally() };
  private readonly subscriptions = { byKey: new Tally(), byAddress: new Tally() };

  constructor(limits: AbuseLimits = NO_LIMITS) {
    this.limits = limits;
    this.rate = this.limits.requestsPerKey > 0 ? new RateLimiter(this.limits.requestsPerKey) : null;
    this.authFailures = this.limits.authFailuresPerAddress > 0 ? new AuthFailures(this.limits.authFailuresPerAddress) : null;
  }

  /**
   * The caller of a request or operation, within the limits: an address locked after failed
   * authentications is refused before its key is looked up; a key over its rate is refused.
   */
  async caller(db: Db, token: string | null, address: string | undefined, localControlToken?: string): Promise<Caller> {
    const where = address ?? 'unknown';
    const locked = this.authFailures?.lockedFor(where) ?? 0;
    if (locked > 0) refuse(new AuthLockedError(locked));
    const caller = await resolveCaller(db, token, address, localControlToken);
    if (token && caller.role === null) this.authFailures?.record(where);
    if (token && caller.role !== null && this.rate) {
      const wait = this.rate.take(caller.name);
      if (wait > 0) refuse(new RateLimitedError(this.limits.requestsPerKey, wait));
    }
    return caller;
  }

  /** A new WebSocket from `address`: the reason to refuse it, or null (then it is counted). */
  openConnection(holder: ConnectionHolder): string | null {
    const max = this.limits.wsConnectionsPerAddress;
    if (max > 0 && this.connections.byAddress.get(holder.address) >= max) {
      refusals.inc({ limit: 'wsConnectionsPerAddress' });
      return `too many WebSocket connections from this address (at most ${max})`;
    }
    this.connections.byAddress.add(holder.address);
    return null;
  }

  /** The connection authenticated as `key`: the reason to refuse it, or null. */
  authenticateConnection(holder: ConnectionHolder, key: string | null): string | null {
    const max = this.limits.wsConnectionsPerKey;
    if (key !== null && max > 0 && this.connections.byKey.get(key) >= max) {
      refusals.inc({ limit: 'wsConnectionsPerKey' });
      return `too many WebSocket connections for this API key (at most ${max})`;
    }
    holder.key = key;
    if (key !== null) this.connections.byKey.add(key);
    return null;
  }

  closeConnection(holder: ConnectionHolder) {
    this.connections.byAddress.add(holder.address, -1);
    if (holder.key !== null) this.connections.byKey.add(holder.key, -1);
    for (const id of [...holder.subscriptions]) this.endSubscription(holder, id);
  }

  /** Counts a subscription of this connection, or throws when its key or address holds too many. */
  startSubscription(holder: ConnectionHolder, id: string) {
    const { subscriptionsPerKey: perKey, subscriptionsPerAddress: perAddress } = this.limits;
    if (holder.key !== null && perKey > 0 && this.subscriptions.byKey.get(holder.key) >= perKey) refuse(new TooManySubscriptionsError('API key', perKey));
    if (perAddress > 0 && this.subscriptions.byAddress.get(holder.address) >= perAddress) refuse(new TooManySubscriptionsError('address', perAddress));
    holder.subscriptions.add(id);
    this.subscriptions.byAddress.add(holder.address);
    if (holder.key !== null) this.subscriptions.byKey.add(holder.key);
  }

  endSubscription(holder: ConnectionHolder, id: string) {
    if (!holder.subscriptions.delete(id)) return;
    this.subscriptions.byAddress.add(holder.address, -1);
    if (holder.key !== null) this.subscriptions.byKey.add(holder.key, -1);
  }
}

function refuse(error: LimitError): never {
  refusals.inc({ limit: error.limit });
  throw error;
}
