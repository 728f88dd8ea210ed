// Pressroom beyond the side-by-side run (issue #15): the same figures while the jobs table already
// holds 1,000,000 finished jobs and the history 10,000,000 entries (a database kept between runs,
// filled by the API bench's loader), and in the embedded default (PGlite, one process, no server).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { openDatabase } from '../../src/db/client.ts';
import { migrateDatabase } from '../../src/db/migrate.ts';
import { ensureLoaded } from '../api/loader.ts';
import { createPressroom, pressroomOver } from './pressroom.ts';
import type { EngineSystem } from './system.ts';

export const AT_SIZE_NAME = 'Pressroom at size';
export const EMBEDDED_NAME = 'Pressroom embedded (PGlite)';

export function createEmbeddedPressroom(): EngineSystem {
  const open = async () => {
    const folder = await mkdtemp(join(tmpdir(), 'pressroom-bench-'));
    const database = await openDatabase({ dataDir: folder });
    await migrateDatabase(database);
    return pressroomOver(database, undefined, 'embedded', async () => {
      await database.close();
      await rm(folder, { recursive: true, force: true });
    });
  };
  return createPressroom(
    { open },
    EMBEDDED_NAME,
    'embedded PGlite in a fresh data folder, in-process events, worker in the same process (the default with no DATABASE_URL)',
  );
}

export interface AtSizeOptions {
  databaseUrl: string;
  redisUrl: string;
  jobs: number;
  history: number;
  log?: (line: string) => void;
}

export function createPressroomAtSize(options: AtSizeOptions): EngineSystem {
  const open = async () => {
    const loaded = await ensureLoaded({
      adminUrl: options.databaseUrl,
      database: 'pressroom_bench_engine_at_size',
      jobs: options.jobs,
      history: options.history,
      reload: false,
      log: options.log ?? (() => {}),
    });
    const admin = postgres(loaded.url, { max: 1, onnotice: () => {} });
    // The loader leaves its newest 2% live (queued, running, paused): here every loaded job has
    // finished, so what a worker finds ready is the figure's own jobs, behind a million finished ones.
    await admin`update jobs set status = 'completed', finished_at = coalesce(finished_at, now()), worker_id = null,
                lease_token = null, lease_expires_at = null, control_request = null
                where status in ('queued', 'running', 'paused')`;
    const [last] = await admin<{ job: string; entry: string }[]>`select (select max(id) from jobs) as job, (select max(id) from history) as entry`;
    const database = await openDatabase({ url: loaded.url, poolSize: 12 });
    return pressroomOver(database, options.redisUrl, 'bench_at_size', async () => {
      await database.close();
      // Back to the loaded size for the next figure.
      try {
        await admin`delete from history where id > ${last!.entry}`;
        await admin`delete from jobs where id > ${last!.job}`;
        await admin`vacuum jobs`;
      } finally {
        await admin.end();
      }
    });
  };
  return createPressroom(
    { open },
    AT_SIZE_NAME,
    `as Pressroom, on a database already holding ${options.jobs.toLocaleString('en')} finished jobs and ${options.history.toLocaleString('en')} history entries (kept between runs; the figure's own rows are deleted after it)`,
  );
}
