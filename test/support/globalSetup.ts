// Once per run: a migrated template database that every test file clones its own from
// (graphile-worker's way): a PGlite data-dir dump in embedded mode, a template database in
// server mode (DATABASE_URL set).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import postgres from 'postgres';
import type { TestProject } from 'vitest/node';
import { openDatabase } from '../../src/db/client.ts';
import { migrateDatabase } from '../../src/db/migrate.ts';
import { serverUrlFor } from './urls.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    pgliteTemplate: string;
    serverTemplate: string;
  }
}

export default async function setup(project: TestProject) {
  const url = process.env.DATABASE_URL;
  if (!url) {
    const dir = await mkdtemp(path.join(tmpdir(), 'pressroom-test-'));
    const pg = await PGlite.create();
    const database = await openDatabase({ pglite: pg });
    await migrateDatabase(database);
    const file = path.join(dir, 'template.tar');
    await writeFile(file, Buffer.from(await (await pg.dumpDataDir('none')).arrayBuffer()));
    await database.close();
    project.provide('pgliteTemplate', file);
    project.provide('serverTemplate', '');
    return async () => rm(dir, { recursive: true, force: true });
  }
  const template = `pressroom_template_${process.pid}`;
  const admin = postgres(url, { max: 1, onnotice: () => {} });
  await admin.unsafe(`drop database if exists ${template}`);
  await admin.unsafe(`create database ${template}`);
  const templateUrl = serverUrlFor(url, template);
  const database = await openDatabase({ url: templateUrl, poolSize: 1 });
  await migrateDatabase(database, templateUrl);
  await database.close();
  project.provide('pgliteTemplate', '');
  project.provide('serverTemplate', template);
  return async () => {
    await admin.unsafe(`drop database if exists ${template} with (force)`);
    await admin.end();
  };
}
