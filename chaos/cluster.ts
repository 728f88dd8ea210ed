// What every scenario of the reliability suite stands on: a PostgreSQL and a Redis of the suite's
// own (it may restart and stop them), a migrated database, and real Pressroom processes on them,
// at default settings unless a scenario says otherwise.
import { sql } from 'drizzle-orm';
import pino from 'pino';
import postgres from 'postgres';
import { openDatabase, type Database } from '../src/db/client.ts';
import { migrateDatabase } from '../src/db/migrate.ts';
import type { ServiceContext } from '../src/services/context.ts';
import { createInProcessBus } from '../src/services/events.ts';
import { createJobNotifier } from '../src/services/engine/notifier.ts';
import { DEFAULT_ENGINE_SETTINGS } from '../src/services/engine/settings.ts';
import { KindRegistry } from '../src/services/engine/kinds/registry.ts';
import { builtInHandlers } from '../src/handlers/index.ts';
import { handlers as chaosHandlers } from './handler.ts';
import { spawnPressroom, type PressroomProcess } from '../bench/pressroomProcess.ts';
import { startPostgresServer, type PostgresServer } from './postgresServer.ts';
import { startRedisServer, type RedisServer } from './redisServer.ts';

export interface Cluster {
  postgres: PostgresServer;
  redis: RedisServer;
  /** The scenario's database on the suite's PostgreSQL. */
  url: string;
  /** This process's view of it (reads, enqueues); its bus is in-process. */
  database: Database;
  services: ServiceContext;
  processes: PressroomProcess[];
  /** `nodeArgs` go to node itself. */
  spawn(command: 'serve' | 'worker' | 'supervisor', env?: Record<string, string>, nodeArgs?: string[]): PressroomProcess;
  /** A `pressroom serve` on a free loopback port; resolves with its GraphQL URL once it listens. */
  serve(env?: Record<string, string>, nodeArgs?: string[]): Promise<{ process: PressroomProcess; url: string }>;
  close(): Promise<void>;
}

export async function startCluster(name: string): Promise<Cluster> {
  const pg = await startPostgresServer();
  const redis = await startRedisServer();
  // However the suite ends (a scenario that throws, Ctrl-C), its servers do not outlive it.
  const onExit = () => {
    redis.killNow();
    pg.destroyNow();
  };
  process.once('exit', onExit);
  const url = pg.url.replace(/\/postgres$/, `/${name}`);
  const admin = postgres(pg.url, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  await admin.end();
  const database = await openDatabase({ url, poolSize: 4 });
  await migrateDatabase(database, url);
  await database.db.execute(sql`create table chaos_effects (job_id bigint not null, attempt int not null, pid int not null, at timestamptz not null default now())`);
  const services: ServiceContext = {
    db: database.db,
    bus: createInProcessBus(),
    log: pino({ level: 'silent' }),
    notifier: createJobNotifier(database.db),
    settings: DEFAULT_ENGINE_SETTINGS,
    kinds: new KindRegistry([...builtInHandlers, ...chaosHandlers]),
  };
  const processes: PressroomProcess[] = [];
  const env = { DATABASE_URL: url, REDIS_URL: redis.url, PRESSROOM_HANDLERS: 'chaos/handler.ts', LOG_LEVEL: 'warn' };
  const cluster: Cluster = {
    postgres: pg,
    redis,
    url,
    database,
    services,
    processes,
    spawn(command, extra = {}, nodeArgs = []) {
      const child = spawnPressroom(command, { ...env, ...extra }, nodeArgs);
      processes.push(child);
      return child;
    },
    async serve(extra = {}, nodeArgs = []) {
      const child = cluster.spawn('serve', { PRESSROOM_HOST: '127.0.0.1', PRESSROOM_PORT: '0', LOG_LEVEL: 'info', ...extra }, nodeArgs);
      const [, graphqlUrl] = await child.waitFor(/GraphiQL at (http:\/\/\S+\/graphql)/);
      return { process: child, url: graphqlUrl! };
    },
    async close() {
      await Promise.all(processes.map((child) => child.stop()));
      await services.notifier.drain().catch(() => {});
      await database.close().catch(() => {});
      await redis.stop();
      await pg.destroy();
      process.off('exit', onExit);
    },
  };
  return cluster;
}

/** Percentile of sorted numbers (nearest rank). */
export function percentile(sorted: number[], q: number): number {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
