// The fast loader: a database kept between runs (migrated with the project's migrations), filled
// straight from SQL (generate_series, no API) and reloaded only when its sizes differ from the
// ones asked or when `reload` is set. What was loaded is kept in the database's comment.
import postgres from 'postgres';
import { openDatabase } from '../../src/db/client.ts';
import { migrateDatabase } from '../../src/db/migrate.ts';
import { insertHistory, insertItems, insertJobs, insertQueues, resetIdentities, secondaryIndexes } from './loadSql.ts';
import { databaseUrl } from '../engine/system.ts';

export interface LoadOptions {
  /** Any database on the server, to create the bench database from. */
  adminUrl: string;
  database: string;
  jobs: number;
  history: number;
  reload: boolean;
  log: (line: string) => void;
}

export interface Loaded {
  url: string;
  jobs: number;
  history: number;
  items: number;
  /** Seconds the load took (when it was made, possibly by an earlier run). */
  loadSeconds: number;
  reused: boolean;
}

type Marker = Omit<Loaded, 'url' | 'reused'>;

export async function ensureLoaded(options: LoadOptions): Promise<Loaded> {
  const url = databaseUrl(options.adminUrl, options.database);
  const admin = postgres(options.adminUrl, { max: 1, onnotice: () => {} });
  let marker: Marker | null = null;
  try {
    const [row] = await admin`select shobj_description(oid, 'pg_database') as comment from pg_database where datname = ${options.database}`;
    if (!row) await admin.unsafe(`create database ${options.database}`);
    marker = parseMarker(row?.comment);
  } finally {
    await admin.end();
  }
  // Migrating a loaded database also builds any index added since it was loaded.
  const database = await openDatabase({ url, poolSize: 1 });
  try {
    await migrateDatabase(database, url);
  } finally {
    await database.close();
  }
  const perJob = Math.max(1, Math.floor(options.history / options.jobs));
  if (marker && !options.reload && marker.jobs === options.jobs && marker.history === options.jobs * perJob) {
    options.log(`api bench: reusing ${options.database} (${marker.jobs} jobs, ${marker.history} history entries)`);
    return { url, ...marker, reused: true };
  }
  options.log(`api bench: loading ${options.jobs} jobs and ${options.jobs * perJob} history entries into ${options.database}`);
  const loaded = await load(url, options.jobs, perJob, options.log);
  const db = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await db.unsafe(`comment on database ${options.database} is '${JSON.stringify(loaded)}'`);
  } finally {
    await db.end();
  }
  return { url, ...loaded, reused: false };
}

function parseMarker(comment: unknown): Marker | null {
  try {
    const marker = JSON.parse(String(comment)) as Marker;
    return Number.isFinite(marker.jobs) && Number.isFinite(marker.history) ? marker : null;
  } catch {
    return null;
  }
}

/** One transaction (an interrupted load leaves the previous rows and every index), then VACUUM ANALYZE. */
async function load(url: string, jobs: number, perJob: number, log: (line: string) => void): Promise<Marker> {
  const db = postgres(url, { max: 1, onnotice: () => {} });
  const started = performance.now();
  const step = async (what: string, work: () => Promise<unknown>) => {
    const t = performance.now();
    await work();
    log(`api bench: ${what} in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  };
  try {
    await db.begin(async (tx) => {
      await tx`set local maintenance_work_mem = '512MB'`;
      await tx`set local synchronous_commit = off`;
      await tx`truncate history, job_items, jobs, queues restart identity cascade`;
      // Building the indexes once after the load is several times faster than keeping them up to date row by row.
      const indexes = await tx.unsafe<{ name: string; definition: string }[]>(secondaryIndexes);
      for (const index of indexes) await tx.unsafe(`drop index ${index.name}`);
      await step('queues', () => tx.unsafe(insertQueues));
      await step('jobs', () => tx.unsafe(insertJobs, [jobs]));
      await step('items', () => tx.unsafe(insertItems));
      await step('history', () => tx.unsafe(insertHistory, [perJob]));
      await step(`${indexes.length} indexes`, async () => {
        for (const index of indexes) await tx.unsafe(index.definition);
      });
      await tx.unsafe(resetIdentities);
    });
    await step('vacuum analyze', () => db`vacuum (analyze) queues, jobs, job_items, history`);
    const [counts] = await db<{ jobs: string; history: string; items: string }[]>`
      select (select count(*) from jobs) as jobs, (select count(*) from history) as history, (select count(*) from job_items) as items`;
    return {
      jobs: Number(counts!.jobs),
      history: Number(counts!.history),
      items: Number(counts!.items),
      loadSeconds: Math.round((performance.now() - started) / 100) / 10,
    };
  } finally {
    await db.end();
  }
}
