// Creating a PGlite database (its initdb, in WebAssembly) takes 6 to 10 s; loading a copy of one
// takes about 2. `npm run build` makes a migrated empty database once and keeps its dump in dist/;
// a new data folder starts from it. The dump's name carries a hash of the migrations it holds, so
// a dump made before the migrations changed is never used (the folder is then created the slow way).
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { migrationsFolder } from './migrate.ts';

// src/db and dist/db are both two folders below the checkout.
export const distFolder = fileURLToPath(new URL('../../dist', import.meta.url));

export async function templatePath(): Promise<string> {
  const journal = await readFile(path.join(migrationsFolder, 'meta', '_journal.json'));
  const hash = createHash('sha256').update(journal).digest('hex').slice(0, 16);
  return path.join(distFolder, `embedded-template-${hash}.tar.gz`);
}

/** The dump a new data folder starts from, or undefined when there is none for these migrations. */
export async function readEmbeddedTemplate(): Promise<Blob | undefined> {
  try {
    return new Blob([await readFile(await templatePath())]);
  } catch {
    return undefined;
  }
}
