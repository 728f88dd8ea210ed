// Each test file gets its own database: a clone of the migrated template, in memory (embedded)
// or as a new database on the server. A server database is dropped when its tests pass and
// kept, with its name printed, when they fail.
import { readFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { PGlite } from '@electric-sql/pglite';
import pino from 'pino';
import postgres from 'postgres';
import { afterAll, beforeAll, beforeEach, inject } from 'vitest';
import { openDatabase, type Database } from '../../src/db/client.ts';
import { connectRedisBus } from '../../src/app.ts';
import type { ServiceContext } from '../../src/services/context.ts';
import { createInProcessBus, type EventBus } from '../../src/services/events.ts';
import { DEFAULT_ENGINE_SETTINGS, type EngineSettings } from '../../src/services/engine/settings.ts';
import { serverUrlFor } from './urls.ts';
import { builtInHandlers } from '../../src/handlers/index.ts';
import { KindRegistry } from '../../src/services/engine/kinds/registry.ts';
import { handlers, waitingKinds } from './handlers.ts';
import { createServiceContext } from '../../src/services/createServiceContext.ts';

export const serverMode = Boolean(process.env.DATABASE_URL);

export interface TestDatabase {
  database: Database;
  /** postgres:// URL of this file's database, for child processes (server mode only). */
  url: string | undefined;
  /** Redis channel prefix of this file, for child processes. */
  redisPrefix: string;
  services: ServiceContext;
  /** Closes everything; `keep` leaves a server database in place for inspection. */
  close(options?: { keep?: boolean }): Promise<void>;
}

export async function createTestDatabase(settings: Partial<EngineSettings> = {}): Promise<TestDatabase> {
  const name = `pressroom_t_${randomBytes(5).toString('hex')}`;
  let database: Database;
  let url: string | undefined;
  let drop: () => Promise<void> = async () => {};
  if (serverMode) {
    const admin = postgres(process.env.DATABASE_URL!, { max: 1, onnotice: () => {} });
    await admin.unsafe(`create database ${name} template ${inject('serverTemplate')}`);
    url = serverUrlFor(process.env.DATABASE_URL!, name);
    database = await openDatabase({ url, poolSize: 10 });
    drop = async () => {
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end();
    };
  } else {
    const template = new Blob([await readFile(inject('pgliteTemplate'))]);
    database = await openDatabase({ pglite: await PGlite.create({ loadDataDir: template }) });
  }
  const bus = await createTestBus(name);
  const services = createServiceContext(database.db, {
    bus,
    log: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
    settings: { ...DEFAULT_ENGINE_SETTINGS, ...settings },
    // What a pressroom process started with PRESSROOM_HANDLERS=test/support/handlers.ts knows.
    kinds: new KindRegistry([...builtInHandlers, ...handlers, ...waitingKinds.map((kind) => ({ kind }))]),
  });
  return {
    database,
    url,
    redisPrefix: name,
    services,
    async close(options = {}) {
      await services.notifier.drain().catch(() => {});
      await bus.close();
      await database.close();
      if (options.keep) {
        console.warn(`kept database ${name} for inspection`);
        return;
      }
      await drop();
    },
  };
}

/** Real Redis when REDIS_URL is set (server mode), with a channel prefix of this file's own. */
export async function createTestBus(prefix: string): Promise<EventBus> {
  return process.env.REDIS_URL ? connectRedisBus(process.env.REDIS_URL, prefix, pino({ level: 'silent' })) : createInProcessBus();
}

/**
 * Gives the test file its own database for all its tests; returns a getter. A server database
 * is kept for inspection when a test of the file failed.
 */
export function useTestDatabase(settings: Partial<EngineSettings> = {}): () => TestDatabase {
  let test: TestDatabase | undefined;
  let failed = false;
  beforeAll(async () => {
    test = await createTestDatabase(settings);
  });
  beforeEach(({ onTestFailed }) => {
    onTestFailed(() => {
      failed = true;
    });
  });
  afterAll(async () => {
    await test?.close({ keep: failed && serverMode });
  });
  return () => {
    if (!test) throw new Error('the test database is opened in beforeAll');
    return test;
  };
}
