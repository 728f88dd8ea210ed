// `pressroom documents import <folder>`: one document per file (its key is the file's path in the
// folder), in batches, with a progress bar. Idempotent by key: a file imported before is reported
// as existing and changes nothing. Content up to the inline limit is stored with the document;
// a larger file is stored by its path, which the printer reads when it prints.
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { SingleBar, Presets } from 'cli-progress';
import { withBackend } from '../backend/index.ts';
import { MAX_DOCUMENT_BYTES, type DocumentInput } from '../../services/print/documents.ts';

const BATCH = 500;

export interface ImportOptions {
  type?: string;
  customer: string;
  reason?: string;
}

/** Imports every file below `folder` as a document, in batches, with a progress bar. */
export async function importFolder(folder: string, options: ImportOptions): Promise<void> {
  const files = await filesIn(path.resolve(folder));
  await withBackend(async (backend) => {
    const bar = new SingleBar({ format: 'importing {bar} {value}/{total} files | {created} new, {existing} existing', hideCursor: true }, Presets.shades_classic);
    const totals = { created: 0, existing: 0, byPath: 0 };
    bar.start(files.length, 0, { created: 0, existing: 0 });
    try {
      for (let start = 0; start < files.length; start += BATCH) {
        const batch = await Promise.all(files.slice(start, start + BATCH).map((file) => documentOf(folder, file, options)));
        totals.byPath += batch.filter((doc) => doc.contentPath).length;
        const result = await backend.submitDocuments(batch, options.reason ?? `import of ${path.basename(path.resolve(folder))}`);
        totals.created += result.created;
        totals.existing += result.existing;
        bar.update(start + batch.length, { created: totals.created, existing: totals.existing });
      }
    } finally {
      bar.stop();
    }
    process.stdout.write(`imported ${totals.created} documents, ${totals.existing} existing (unchanged)${totals.byPath ? `, ${totals.byPath} stored by path (over ${MAX_DOCUMENT_BYTES} bytes)` : ''}\n`);
  });
}

async function filesIn(folder: string): Promise<string[]> {
  const entries = await readdir(folder, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile() && !entry.name.startsWith('.'))
    .map((entry) => path.join(entry.parentPath, entry.name))
    .sort();
}

async function documentOf(folder: string, file: string, options: ImportOptions): Promise<DocumentInput> {
  const key = path.relative(path.resolve(folder), file).split(path.sep).join('/');
  const info = await stat(file);
  const type = options.type ?? (path.extname(file).slice(1).toLowerCase() || 'document');
  const base = { key, type, customer: options.customer, createdAt: info.mtime };
  return info.size <= MAX_DOCUMENT_BYTES ? { ...base, contentBase64: (await readFile(file)).toString('base64') } : { ...base, contentPath: file };
}
