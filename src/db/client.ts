// Opens the database: embedded PGlite in a locked folder when DATABASE_URL is unset,
// PostgreSQL through postgres.js otherwise. Both give the same drizzle API, plus the
// LISTEN/NOTIFY the worker wakes on.
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { PGlite } from '@electric-sql/pglite';
import type { SQL } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import { lockDataFolder } from './dataFolderLock.ts';
import { readEmbeddedTemplate } from './embeddedTemplate.ts';
import * as schema from './engine/schema.ts';

export type Schema = typeof schema;
/** A database or a transaction: every service query runs on one of these. */
export type Db = PgDatabase<PgQueryResultHKT, Schema>;

export interface Database {
  readonly db: Db;
  readonly mode: 'embedded' | 'server';
  /** Calls `onMessage` for each NOTIFY on `channel`; resolves to a function that stops listening. */
  listen(channel: string, onMessage: (payload: string) => void): Promise<() => Promise<void>>;
  /**
   * Server mode: a connection of its own (reconnected when it drops), for session-level state
   * such as a worker's liveness lock. Embedded mode has one connection and none to give.
   */
  openSession?(): Promise<DatabaseSession>;
  close(): Promise<void>;
}

export interface DatabaseSession {
  readonly db: Db;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /** postgres://… ; unset opens the embedded database in `dataDir`. */
  url?: string;
  dataDir?: string;
  /** Connections in the pool (server mode). */
  poolSize?: number;
  /**
   * Server mode: how long opening a connection may take before the queries waiting on it fail
   * (DATABASE_UNAVAILABLE at the API), instead of hanging while PostgreSQL is unreachable.
   */
  connectTimeoutMs?: number;
  /** An already-open PGlite (tests clone a migrated template into memory). */
  pglite?: PGlite;
}

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  if (options.url) return openServer(options.url, options.poolSize ?? 10, options.connectTimeoutMs ?? 5_000);
  if (options.pglite) return wrapPglite(options.pglite, async () => {});
  const dataDir = options.dataDir ?? './.pressroom';
  await mkdir(dataDir, { recursive: true });
  const unlock = await lockDataFolder(dataDir);
  try {
    const pgdata = `${dataDir}/pgdata`;
    const template = existsSync(pgdata) ? undefined : await readEmbeddedTemplate();
    const pg = await PGlite.create(pgdata, template ? { loadDataDir: template } : {});
    return wrapPglite(pg, unlock);
  } catch (error) {
    await unlock();
    throw error;
  }
}

function wrapPglite(pg: PGlite, unlock: () => Promise<void>): Database {
  const db = drizzlePglite(pg, { schema }) as unknown as Db;
  return {
    db,
    mode: 'embedded',
    async listen(channel, onMessage) {
      const stop = await pg.listen(channel, onMessage);
      return async () => stop();
    },
    async close() {
      if (!pg.closed) await pg.close();
      await unlock();
    },
  };
}

/** The longest pause before a connection attempt after failed ones (seconds). */
const MAX_RECONNECT_DELAY_S = 0.1;

/**
 * Options of every pool of a server-mode process. postgres.js waits before each connection
 * attempt after failed ones, by default 3^failures / 100 s (capped at 20 s) counted over the whole
 * pool, and a call that needs a connection waits that pause out before the connect timeout even
 * starts: after a few seconds of PostgreSQL down, calls hung 10–20 s and a burst of 200 queued
 * calls minutes. A refused attempt costs next to nothing, so the pause stays short: a call waits
 * at most this pause plus the connect timeout per connection attempt it is given.
 */
function serverOptions(connectTimeoutMs: number, max: number, applicationName: string): postgres.Options<Record<string, never>> {
  return {
    max,
    connect_timeout: connectTimeoutMs / 1_000,
    backoff: (failures) => Math.min(0.01 * 2 ** failures, MAX_RECONNECT_DELAY_S) * (0.5 + Math.random() / 2),
    onnotice: () => {},
    connection: { application_name: applicationName },
  };
}

function openServer(url: string, poolSize: number, connectTimeoutMs: number): Database {
  const client = postgres(url, serverOptions(connectTimeoutMs, poolSize, 'pressroom'));
  const db = drizzlePostgres(client, { schema }) as unknown as Db;
  return {
    db,
    mode: 'server',
    async listen(channel, onMessage) {
      const subscription = await client.listen(channel, onMessage);
      return () => subscription.unlisten();
    },
    async openSession() {
      const session = postgres(url, serverOptions(connectTimeoutMs, 1, 'pressroom-session'));
      return { db: drizzlePostgres(session, { schema }) as unknown as Db, close: () => session.end({ timeout: 1 }) };
    },
    async close() {
      await client.end({ timeout: 5 });
    },
  };
}

/** What drizzle keeps inside a database or transaction object, reached for prepared statements. */
interface DrizzleInternals {
  dialect: { sqlToQuery(statement: SQL): { sql: string; params: unknown[] } };
  session: { client: { unsafe?: (text: string, params: unknown[], options: { prepare: boolean }) => Promise<unknown[]> } };
}

/**
 * Runs raw SQL and returns its rows, whichever driver is underneath. On PostgreSQL the statement
 * is prepared once per connection and text (drizzle's execute sends it unnamed, so the server
 * parses it every time: about half a millisecond for the engine's larger statements).
 */
export async function query<Row>(db: Db, statement: SQL): Promise<Row[]> {
  const { dialect, session } = db as unknown as DrizzleInternals;
  if (session.client.unsafe) {
    const { sql: text, params } = dialect.sqlToQuery(statement);
    return (await session.client.unsafe(text, params, { prepare: true })) as Row[];
  }
  const result = (await db.execute(statement)) as unknown as Row[] | { rows: Row[] };
  return Array.isArray(result) ? result : result.rows;
}
