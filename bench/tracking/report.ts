// The tracking bench's part of RESULTS.md and of the console, each figure beside its target.
import type { ShopSize } from './shop.ts';

export interface TrackingFigures {
  /** 1 = the issue's sizes. */
  scale: number;
  /** The machine's 1-minute load average when the run ended (2 cores shared with other work). */
  loadAverage: number;
  size: ShopSize;
  records: number;
  workers: number;
  loadSeconds: number;
  referenceRows: number;
  printIngest: number;
  scanIngest: number;
  processSeconds: number;
  processRate: number;
  perSource: Record<string, number>;
  steady: { rate: number; seconds: number; records: number; p50: number; p99: number; max: number; dashboardP99: number };
}

const n = (value: number) => Math.round(value).toLocaleString('en-US');
const verdict = (ok: boolean) => (ok ? 'met' : 'missed');

export function renderTracking(f: TrackingFigures): { consoleLines: string[]; markdown: string[] } {
  const rows: [string, string, string, boolean][] = [
    ['Ingest, Print OS events through POST /ingest/print-os (batches of 1,000, 4 clients)', `${n(f.printIngest)} events/s`, '≥ 10,000 events/s', f.printIngest >= 10_000],
    ['Ingest, scans through POST /ingest/scans (batches of 1,000, 4 clients)', `${n(f.scanIngest)} events/s`, '≥ 10,000 events/s', f.scanIngest >= 10_000],
    [
      `Processing end to end, ${n(2 * f.records)} records waiting → processed (${f.workers} worker process${f.workers > 1 ? 'es' : ''})`,
      `${n(f.processRate)} events/s (Print OS done in ${f.perSource.print_os!.toFixed(1)} s, scans in ${f.perSource.scanner!.toFixed(1)} s)`,
      '≥ 2,000 events/s',
      f.processRate >= 2_000,
    ],
    [
      `Lag under a steady ${f.steady.rate} records/s for ${f.steady.seconds} s (stored → processed, ${n(f.steady.records)} records)`,
      `p50 ${f.steady.p50.toFixed(2)} s, p99 ${f.steady.p99.toFixed(2)} s, max ${f.steady.max.toFixed(2)} s; oldest-waiting age a dashboard polls: p99 ${f.steady.dashboardP99.toFixed(2)} s`,
      'p99 < 2 s',
      f.steady.p99 < 2,
    ],
  ];
  const markdown = [
    '## Production tracking (issue #12)',
    '',
    `Shop: ${n(f.size.jobs)} production jobs, ${n(f.size.impositions)} impositions, ${n(f.size.impositions * 5)} files, runlists of ${f.size.runlistSize} impositions ` +
      `(reference data: ${n(f.referenceRows)} rows upserted in ${f.loadSeconds.toFixed(1)} s); ${n(f.records)} Print OS events and ${n(f.records)} scans. ` +
      'A real `pressroom serve` takes the records, real `pressroom worker` processes process them, on one PostgreSQL. ' +
      'A job scan reaches its runlist, so a scan updates about 26 production jobs and 50 impositions. ' +
      `${f.scale < 1 ? `Run at ${f.scale} of the issue's sizes (BENCH_TRACKING_SCALE=${f.scale}). ` : ''}` +
      `1-minute load average ${f.loadAverage.toFixed(1)} on the 2 cores as the run ended: the figures fall as the load rises (processing is CPU-bound).`,
    '',
    '| Figure | Measured | Target | |',
    '|---|---|---|---|',
    ...rows.map(([what, measured, target, ok]) => `| ${what} | ${measured} | ${target} | ${verdict(ok)} |`),
    '',
    'What bounds processing: it is set-based — a batch (what waits, up to 5,000 records) costs a dozen statements whatever its ' +
      'size, its records applied in memory in record order — so it is bound by the rows written, no longer by round trips. A job ' +
      "scan reaches its runlist: each scan adds about 26 history rows and completes about 26 production jobs' and 50 impositions' " +
      'operations (a batch writes each operation once however many of its scans touch it), about 0.8 ms of CPU per scan between ' +
      'the worker and PostgreSQL against about 0.2 ms per press event (measured at full size). Each source is processed by one ' +
      'run at a time (its governor), so the scans set the end-to-end time; the second worker process runs the press source beside ' +
      'them, no more. Workers wake on the queue notification, so the lag under steady load is about two batch times: it grows ' +
      "with the machine's load and once the history outgrows PostgreSQL's shared buffers (128 MB here).",
  ];
  const consoleLines = ['tracking', ...rows.map(([what, measured, target, ok]) => `  ${what}: ${measured} (target ${target}: ${verdict(ok)})`)];
  return { consoleLines, markdown };
}
