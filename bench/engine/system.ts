// What one engine under test implements for bench/index.ts. Each figure is measured on a fresh
// setup (a new database, or a new Redis prefix) and torn down after, so no figure sees another's
// rows, dead tuples or indexes.
import { setTimeout as sleep } from 'node:timers/promises';
import postgres from 'postgres';

/** `fastest` is the system's own documented fastest drain setting; a number is its concurrency. */
export type DrainMode = number | 'fastest';

export interface Timed {
  /** How many jobs the figure covers (a drain may cover fewer than asked; see the system's notes). */
  jobs: number;
  ms: number;
}

export interface EngineSystem {
  /** Name in the table. */
  readonly name: string;
  /** Settings of every figure, for RESULTS.md. */
  readonly settings: Record<string, string>;
  /** Opens a fresh database (or Redis prefix) and whatever the system needs there. */
  setup(): Promise<void>;
  /** Enqueues `n` no-op jobs through the system's bulk API. */
  bulkEnqueue(n: number): Promise<Timed>;
  /** Enqueues `n` no-op jobs one call at a time from `clients` concurrent callers. */
  singleEnqueue(n: number, clients: number): Promise<Timed>;
  /** Pre-enqueues `n` no-op jobs (untimed), then times one worker draining them. */
  drain(n: number, mode: DrainMode): Promise<Timed>;
  /** Adds `count` jobs one every `everyMs` ms to an idle worker; ms from the enqueue call to the handler's start, per job. */
  latency(count: number, everyMs: number): Promise<number[]>;
  /** Stops everything and drops what setup made. */
  teardown(): Promise<void>;
}

export const now = () => performance.now();

/** Polls `done` every `everyMs` until it holds; throws after `timeoutMs`. */
export async function waitFor(done: () => Promise<boolean> | boolean, what: string, timeoutMs = 600_000, everyMs = 20): Promise<void> {
  const deadline = now() + timeoutMs;
  while (!(await done())) {
    if (now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** Runs `count` calls of `call` from `clients` concurrent callers. */
export async function fromClients(count: number, clients: number, call: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (next < count) await call(next++);
    }),
  );
}

/** Adds `count` jobs one every `everyMs` ms through `add(sentAt)`, `sentAt` being `now()` just before the call. */
export async function trickle(count: number, everyMs: number, add: (sentAt: number) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < count; i++) {
    await add(now());
    await sleep(everyMs);
  }
}

export function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** The same server URL, pointing at another database. */
export function databaseUrl(serverUrl: string, name: string): string {
  return Object.assign(new URL(serverUrl), { pathname: `/${name}` }).toString();
}

/** Creates an empty database on the server of `serverUrl`; returns its URL and a drop. */
export async function createScratchDatabase(serverUrl: string, name: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`drop database if exists ${name} with (force)`);
    await admin.unsafe(`create database ${name}`);
  } finally {
    await admin.end();
  }
  return {
    url: databaseUrl(serverUrl, name),
    async drop() {
      const again = postgres(serverUrl, { max: 1, onnotice: () => {} });
      try {
        // A pool that is still closing would see its connections killed by the forced drop
        // (an unhandled error in node-postgres): give them a moment to leave first.
        const deadline = now() + 5_000;
        while (now() < deadline) {
          const [row] = await again`select count(*)::int as n from pg_stat_activity where datname = ${name} and pid <> pg_backend_pid()`;
          if (!row?.n) break;
          await sleep(50);
        }
        await again.unsafe(`drop database if exists ${name} with (force)`);
      } finally {
        await again.end();
      }
    },
  };
}

export const DEFAULT_DATABASE_URL = 'postgres://root@127.0.0.1:5432/root';
export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';
