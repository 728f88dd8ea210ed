// The default printer: writes each document to a file in the output folder, atomically (a
// temporary file, then a rename), named after the document's key, so a reprint replaces the same
// file rather than adding a second one.
import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { FatalError } from '../../../worker/errors.ts';
import type { DocumentToPrint, Printer } from './printer.ts';

/** The file a document is printed to: its key, made safe as a file name. */
export const outputFileName = (key: string) => encodeURIComponent(key).replace(/^\./, '%2E');

export function createFolderPrinter(folder: string): Printer {
  let ready: Promise<void> | null = null;
  const ensureFolder = () =>
    (ready ??= mkdir(folder, { recursive: true }).then(
      () => undefined,
      (error: NodeJS.ErrnoException) => {
        ready = null;
        throw new FatalError(`the print output folder cannot be created (${error.code ?? 'error'}): check PRESSROOM_PRINT_DIR`);
      },
    ));
  return {
    async print(document, signal) {
      await ensureFolder();
      const content = await contentOf(document);
      const temporary = path.join(folder, `.printing-${randomUUID()}`);
      try {
        await writeFile(temporary, content, { signal });
        await rename(temporary, path.join(folder, outputFileName(document.key)));
      } catch (error) {
        await rm(temporary, { force: true }).catch(() => {});
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'EACCES' || code === 'EROFS' || code === 'ENOTDIR' || code === 'ENOENT') {
          throw new FatalError(`the print output folder is not writable (${code}): check PRESSROOM_PRINT_DIR`);
        }
        throw error;
      }
    },
  };
}

async function contentOf(document: DocumentToPrint): Promise<Buffer> {
  if (document.content) return document.content;
  if (!document.contentPath) return Buffer.alloc(0);
  try {
    return await readFile(document.contentPath);
  } catch (error) {
    // The path stays out of the message: it is the submitter's, and errors are shown to every viewer.
    throw new Error(`the content file of document ${document.key} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}
