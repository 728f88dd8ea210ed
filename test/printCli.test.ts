// `pressroom documents import <folder>` as a user runs it: one document per file, a second run
// changes nothing. Embedded mode imports into a data folder of its own; server mode into the file's database.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { listDocuments } from '../src/services/print/documents.ts';
import { serverMode, useTestDatabase } from './support/db.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const run = promisify(execFile);

describe('pressroom documents import', () => {
  const db = useTestDatabase();

  it('imports each file of a folder once, idempotently by key', async () => {
    const folder = await mkdtemp(path.join(tmpdir(), 'pressroom-import-'));
    await mkdir(path.join(folder, 'march'));
    await writeFile(path.join(folder, 'a.pdf'), 'alpha');
    await writeFile(path.join(folder, 'b.txt'), 'beta');
    await writeFile(path.join(folder, 'march', 'c.pdf'), Buffer.from([0, 1, 2, 255]));
    const env = {
      ...process.env,
      LOG_LEVEL: 'warn',
      ...(serverMode ? { DATABASE_URL: db().url! } : { DATABASE_URL: '', PRESSROOM_DATA_DIR: await mkdtemp(path.join(tmpdir(), 'pressroom-import-data-')) }),
    };
    const cli = () => run(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'documents', 'import', folder, '--customer', 'acme'], { cwd: root, env });
    expect((await cli()).stdout).toMatch(/imported 3 documents, 0 existing/);
    expect((await cli()).stdout).toMatch(/imported 0 documents, 3 existing/);
    if (serverMode) {
      const docs = await listDocuments(db().services.db, { customer: 'acme' }, { first: 10, after: null });
      expect(docs.map((d) => [d.key, d.type, d.sizeBytes]).sort()).toEqual([
        ['a.pdf', 'pdf', 5],
        ['b.txt', 'txt', 4],
        ['march/c.pdf', 'pdf', 4],
      ]);
    }
  });
});
