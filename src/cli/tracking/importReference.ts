// `pressroom tracking import <file>`: loads reference data (CSV or JSON, see
// src/services/tracking/referenceFile.ts) by upserts of bounded size, with a progress bar, on the
// database or through the running Pressroom that holds it. Idempotent: importing a file twice
// changes nothing the second time.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { SingleBar, Presets } from 'cli-progress';
import { withBackend } from '../backend/index.ts';
import { readReferenceFile, referenceChunks } from '../../services/tracking/referenceFile.ts';

export async function importReference(file: string, options: { reason?: string }): Promise<void> {
  const chunks = referenceChunks(readReferenceFile(file, await readFile(file, 'utf8')));
  const total = chunks.reduce((sum, c) => sum + c.rows, 0);
  await withBackend(async (backend) => {
    const bar = new SingleBar({ format: `${path.basename(file)} [{bar}] {value}/{total} rows  {section}`, stream: process.stderr, noTTYOutput: false }, Presets.shades_classic);
    const showBar = process.stderr.isTTY && total > 0;
    if (showBar) bar.start(total, 0, { section: '' });
    try {
      for (const chunk of chunks) {
        await backend.upsertTrackingReference(chunk.input, options.reason ?? `import ${path.basename(file)}`);
        if (showBar) bar.increment(chunk.rows, { section: chunk.section });
      }
    } finally {
      if (showBar) bar.stop();
    }
    process.stdout.write(`imported ${total} rows from ${file}\n`);
  });
}
