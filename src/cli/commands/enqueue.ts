import type { Command } from 'commander';
import { commaList, json, wholeNumber, type ReasonOption } from '../options.ts';

export interface EnqueueOptions extends ReasonOption {
  file?: string;
  payload?: unknown;
  queue?: string;
  newQueue?: boolean;
  priority?: number;
  delayMs?: number;
  maxAttempts?: number;
  dedupeKey?: string;
  governorKey?: string;
  items?: string[];
}

export function addEnqueueCommand(program: Command): void {
  program
    .command('enqueue')
    .description('enqueue a job and print it as JSON, or every job of an NDJSON file (--file)')
    .argument('[kind]', 'job kind, e.g. document.process')
    .option('--file <path>', 'one job per line, as enqueueJob\'s input: {"kind":"document.process","queue":"documents","payload":{…}}')
    .option('--payload <json>', 'payload object', json)
    .option('--queue <name>', 'queue (lane); one that has never been used is refused without --new-queue')
    .option('--new-queue', 'start a queue that does not exist yet')
    .option('--priority <n>', 'higher runs first', wholeNumber(0, 1_000, ' (0, the default, runs after any higher)'))
    .option('--delay-ms <n>', 'run no earlier than this many ms from now', wholeNumber(0, 366 * 86_400_000))
    .option('--max-attempts <n>', 'attempts before the job fails', wholeNumber(1, 100))
    .option('--dedupe-key <key>', 'at most one live job per key')
    .option('--governor-key <name>', 'at most one running job per governor')
    .option('--items <keys>', 'comma-separated item keys', commaList)
    .option('--reason <text>', 'recorded in the history')
    .action(async (kind: string | undefined, options: EnqueueOptions) => {
      const { runEnqueue } = await import('../enqueue/run.ts');
      await runEnqueue(kind, options);
    });
}
