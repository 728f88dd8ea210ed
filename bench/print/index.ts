// The print section of `npm run bench` (issue #11): 100,000 documents scanned into slices, batches
// and lane rows; drained through print cycles with the default printer at zero pacing, dedupe and
// reconciliation on; the API's lane counts timed at 1,000,000 rows.
//   BENCH_PRINT_DOCUMENTS (100000), BENCH_PRINT_ROWS (1000000), BENCH_PRINT_REQUESTS (500)
import { createScratchDatabase } from '../engine/system.ts';
import { growRows, timeLaneCounts } from './laneCounts.ts';
import { drain, openPipeline, scanAndEnqueue, submitBenchDocuments } from './pipeline.ts';

export interface PrintBenchOptions {
  databaseUrl: string;
  /** Dropped and made again each run. */
  database?: string;
  documents: number;
  rows: number;
  requests: number;
  log?: (line: string) => void;
}

export interface PrintBenchResult {
  scanPerSecond: number;
  drainPerSecond: number;
  laneCounts: { p50: number; p99: number; total: number };
  consoleLines: string[];
  markdown: string[];
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

export async function runPrintBench(options: PrintBenchOptions): Promise<PrintBenchResult> {
  const log = options.log ?? (() => {});
  const scratch = await createScratchDatabase(options.databaseUrl, options.database ?? 'pressroom_bench_print');
  const pipeline = await openPipeline(scratch.url);
  try {
    log(`print bench: submitting ${options.documents} documents`);
    await submitBenchDocuments(pipeline.services, options.documents);
    const scan = await scanAndEnqueue(pipeline.services);
    const scanPerSecond = (scan.rows * 1000) / scan.ms;
    log(`print bench: scan + enqueue ${scan.rows} rows (${scan.slices} slices) in ${fmt(scan.ms)} ms: ${fmt(scanPerSecond)} documents/s`);
    const drained = await drain(pipeline, scan.rows);
    const drainPerSecond = (scan.rows * 1000) / drained.ms;
    log(`print bench: drained ${scan.rows} rows in ${fmt(drained.ms)} ms through ${drained.cycles} cycle(s): ${fmt(drainPerSecond)} rows/s`);
    const added = await growRows(pipeline.services, options.rows);
    log(`print bench: ${added} filler rows added; timing printLanes ${options.requests} times`);
    const laneCounts = await timeLaneCounts(pipeline.services, options.requests);
    log(`print bench: printLanes p50 ${laneCounts.p50.toFixed(1)} ms, p99 ${laneCounts.p99.toFixed(1)} ms over ${fmt(laneCounts.total)} rows`);
    const rows: [string, string, string, boolean][] = [
      ['scan + enqueue (documents/s)', '≥ 20,000', fmt(scanPerSecond), scanPerSecond >= 20_000],
      ['print cycle drain, dedupe and reconciliation on (rows/s)', '≥ 2,000', fmt(drainPerSecond), drainPerSecond >= 2_000],
      [`printLanes p99 at ${fmt(laneCounts.total)} rows (ms)`, '≤ 25', laneCounts.p99.toFixed(1), laneCounts.p99 <= 25],
    ];
    return {
      scanPerSecond,
      drainPerSecond,
      laneCounts,
      consoleLines: rows.map(([figure, target, value, met]) => `${figure}: ${value} (target ${target}) ${met ? 'met' : 'MISSED'}`),
      markdown: [
        '## Print pipeline',
        '',
        `${fmt(options.documents)} documents scanned into ${fmt(scan.slices)} slices (printSliceSize 1,000), batches of 100 and one lane row each, through the services (the scan job's and the slice jobs' work, four slices at a time); then one worker drains them through print cycles (chunks of 100) with the default folder printer at zero pacing, dedupe and reconciliation on (${drained.cycles} cycle(s)); then the rows table is grown to ${fmt(laneCounts.total)} rows from SQL and \`{ printLanes { … counts } }\` is asked ${options.requests} times over HTTP, one at a time. One PostgreSQL server, a scratch database; this machine is shared with other work, so figures are noisy.`,
        '',
        '| figure | target | measured | met |',
        '| --- | ---: | ---: | --- |',
        ...rows.map(([figure, target, value, met]) => `| ${figure} | ${target} | ${value} | ${met ? 'yes' : '**no**'} |`),
        '',
        `printLanes p50: ${laneCounts.p50.toFixed(1)} ms. Lane counts are read from print_lane_counts, kept by statement triggers on the rows table, so they cost the same at any size.`,
      ],
    };
  } finally {
    await pipeline.close();
    await scratch.drop();
  }
}
