// Applies drizzle/ migrations. Several processes may start at once against one server,
// so the server path takes an advisory lock on a connection of its own first.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle } from 'drizzle-orm/postgres-js';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import type { PgliteDatabase } from 'drizzle-orm/pglite';
import postgres from 'postgres';
import { query, type Database, type Db } from './client.ts';

export const migrationsFolder = fileURLToPath(new URL('../../drizzle', import.meta.url));
const MIGRATION_LOCK = 72_616_001;

export async function migrateDatabase(database: Database, url?: string): Promise<void> {
  if (database.mode === 'embedded') {
    await migratePglite(database.db as unknown as PgliteDatabase, { migrationsFolder });
    return;
  }
  if (!url) throw new Error('migrating a server database needs its URL');
  const single = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await single`select pg_advisory_lock(${MIGRATION_LOCK})`;
    await migratePostgres(drizzle(single), { migrationsFolder });
    await single`select pg_advisory_unlock(${MIGRATION_LOCK})`;
  } finally {
    await single.end({ timeout: 5 });
  }
}

/** The migrations in drizzle/ that this database has not applied (drizzle records each by its journal time): all of them on a database never migrated. */
export async function pendingMigrations(db: Db): Promise<number> {
  const journal = JSON.parse(readFileSync(`${migrationsFolder}/meta/_journal.json`, 'utf8')) as { entries: { when: number }[] };
  const [state] = await query<{ migrated: boolean }>(db, sql`select to_regclass('drizzle.__drizzle_migrations') is not null as migrated`);
  if (!state?.migrated) return journal.entries.length;
  const [row] = await query<{ last: string | number | null }>(db, sql`select max(created_at) as last from drizzle.__drizzle_migrations`);
  const last = Number(row?.last ?? 0);
  return journal.entries.filter((entry) => entry.when > last).length;
}
