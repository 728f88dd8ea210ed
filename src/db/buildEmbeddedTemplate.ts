// `npm run build:server`'s last step: the migrated empty database new data folders start from
// (src/db/embeddedTemplate.ts).
import { mkdir, writeFile } from 'node:fs/promises';
import { PGlite } from '@electric-sql/pglite';
import { openDatabase } from './client.ts';
import { distFolder, templatePath } from './embeddedTemplate.ts';
import { migrateDatabase } from './migrate.ts';

const pg = await PGlite.create();
const database = await openDatabase({ pglite: pg });
try {
  await migrateDatabase(database);
  const file = await templatePath();
  await mkdir(distFolder, { recursive: true });
  await writeFile(file, Buffer.from(await (await pg.dumpDataDir('gzip')).arrayBuffer()));
  process.stdout.write(`embedded database template: ${file}\n`);
} finally {
  await database.close();
}
