// A printer for tests and demos: prints through the folder printer, except on chosen documents,
// where it fails, fails transiently for the first attempts, or hangs until the cycle is stopped.
// Each print it makes is appended to `<folder>/prints.log` (one key a line), so a test can count
// the prints of every process. Chosen with PRESSROOM_PRINTER=scripted and PRESSROOM_PRINTER_SCRIPT.
import { appendFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { TransientError } from '../../../worker/errors.ts';
import { createFolderPrinter } from './folderPrinter.ts';
import type { Printer } from './printer.ts';

export const printerScript = z
  .object({
    /** Keys (or key prefixes ending in *) that always fail. */
    fail: z.array(z.string()).default([]),
    /** Key → how many first attempts fail transiently. */
    transient: z.record(z.string(), z.number().int().min(0)).default({}),
    /** Keys (or prefixes ending in *) whose printing never ends until the cycle is stopped. */
    hang: z.array(z.string()).default([]),
    /** Time each print takes. */
    delayMs: z.number().int().min(0).max(60_000).default(0),
    /** The share of other documents that fail (the demo's odd failure), 0..1. */
    failureRate: z.number().min(0).max(1).default(0),
  })
  .strict();
export type PrinterScript = z.input<typeof printerScript>;

const matches = (patterns: string[], key: string) => patterns.some((p) => (p.endsWith('*') ? key.startsWith(p.slice(0, -1)) : p === key));

export function createScriptedPrinter(folder: string, script: PrinterScript): Printer {
  const rules = printerScript.parse(script);
  const inner = createFolderPrinter(folder);
  return {
    async print(document, signal) {
      if (rules.delayMs > 0) await sleep(rules.delayMs, undefined, { signal });
      if (matches(rules.hang, document.key)) await new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true }));
      if (matches(rules.fail, document.key)) throw new Error(`printer rejected ${document.key}: paper jam`);
      if (document.attempt <= (rules.transient[document.key] ?? 0)) throw new TransientError(`printer busy on ${document.key}`, 0);
      if (rules.failureRate > 0 && Math.random() < rules.failureRate) throw new Error(`printer rejected ${document.key}: smudged page`);
      await inner.print(document, signal);
      await appendFile(path.join(folder, 'prints.log'), `${document.key}\n`);
    },
  };
}
