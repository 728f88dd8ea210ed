// `pressroom tracking import <file>`: loads reference data (CSV or JSON, see
// src/services/tracking/referenceFile.ts) by upserts of bounded size, with a progress bar.
// Idempotent: importing a file twice changes nothing the second time.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { SingleBar, Presets } from 'cli-progress';
import { Command } from 'commander';
import type { Pressroom } from '../../app.ts';
import { upsertTrackingReference } from '../../services/tracking/referenceData.ts';
import { readReferenceFile, referenceChunks } from '../../services/tracking/referenceFile.ts';

export function trackingCommand(withPressroom: (work: (pressroom: Pressroom) => Promise<void>) => Promise<void>): Command {
  const tracking = new Command('tracking').description('production tracking (printer and scanner events)');
  tracking
    .command('import')
    .description('load reference data: production jobs, operations, job operations, impositions and files, runlists (CSV or JSON)')
    .argument('<file>', 'a .json file, or a .csv file whose header names the section (docs/tracking.md)')
    .option('--reason <text>', 'recorded in the history')
    .action(async (file: string, options: { reason?: string }) => {
      const chunks = referenceChunks(readReferenceFile(file, await readFile(file, 'utf8')));
      const total = chunks.reduce((sum, c) => sum + c.rows, 0);
      await withPressroom(async (pressroom) => {
        const bar = new SingleBar({ format: `${path.basename(file)} [{bar}] {value}/{total} rows  {section}`, stream: process.stderr, noTTYOutput: false }, Presets.shades_classic);
        const showBar = process.stderr.isTTY && total > 0;
        if (showBar) bar.start(total, 0, { section: '' });
        try {
          for (const chunk of chunks) {
            await upsertTrackingReference(pressroom.services, chunk.input, { actor: 'cli', reason: options.reason ?? `import ${path.basename(file)}` });
            if (showBar) bar.increment(chunk.rows, { section: chunk.section });
          }
        } finally {
          if (showBar) bar.stop();
        }
        process.stdout.write(`imported ${total} rows from ${file}\n`);
      });
    });
  return tracking;
}
