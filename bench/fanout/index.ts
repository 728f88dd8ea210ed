// The live fan-out benchmark (issue #5, part 2): event-to-client latency, events lost, API RSS
// per idle subscriber and API CPU, for N graphql-ws subscribers of one `pressroom serve` process.
import { measureFanout, type FanoutResult, type FanoutSettings } from './measure.ts';

export type { FanoutResult, FanoutSettings } from './measure.ts';

export interface FanoutOptions extends Partial<Omit<FanoutSettings, 'databaseUrl' | 'redisUrl'>> {
  /** Subscriber counts, one measurement each. */
  sizes: number[];
  /** A PostgreSQL server: each measurement makes (and drops) a database of its own there. */
  databaseUrl: string;
  redisUrl: string;
  /** Progress lines while it runs. */
  log?: (line: string) => void;
}

export const FANOUT_DEFAULTS = { clientProcesses: 4, jobs: 10, eventsPerJob: 20, intervalMs: 1_000 } as const;

export const FANOUT_TARGETS = { p99Ms: 250, lost: 0, rssPerIdleSubscriberBytes: 20 * 1024 } as const;

export async function runFanoutBench(options: FanoutOptions): Promise<{ consoleLines: string[]; markdown: string[]; results: FanoutResult[] }> {
  const settings: FanoutSettings = { ...FANOUT_DEFAULTS, ...definedOnly(options), databaseUrl: options.databaseUrl, redisUrl: options.redisUrl };
  const log = options.log ?? (() => {});
  const results: FanoutResult[] = [];
  for (const size of options.sizes) {
    log(`fan-out: ${size} subscribers`);
    const result = await measureFanout(size, settings, log);
    log(`  streamed for ${(result.streamingMs / 1000).toFixed(1)} s: API CPU ${pct(result.cpuPercent)}, client processes ${pct(result.clientCpuPercent)}`);
    results.push(result);
  }
  return { consoleLines: consoleLines(results), markdown: markdown(results, settings), results };
}

function definedOnly(options: FanoutOptions): Partial<FanoutSettings> {
  const { clientProcesses, jobs, eventsPerJob, intervalMs, profileDir } = options;
  return Object.fromEntries(Object.entries({ clientProcesses, jobs, eventsPerJob, intervalMs, profileDir }).filter(([, v]) => v !== undefined));
}

const int = (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '–');
const ms = (n: number) => (Number.isFinite(n) ? `${n < 10 ? n.toFixed(1) : Math.round(n)} ms` : '–');
const kb = (bytes: number) => (Number.isFinite(bytes) ? `${(bytes / 1024).toFixed(1)} KB` : '–');
const pct = (n: number) => (Number.isFinite(n) ? `${Math.round(n)}%` : '–');

function row(r: FanoutResult): string[] {
  return [int(r.subscribers), int(r.published), `${int(r.delivered)} of ${int(r.expected)}`, int(r.lost), ms(r.latency.p50), ms(r.latency.p99), kb(r.rssPerIdleSubscriberBytes), pct(r.cpuPercent)];
}

const HEADER = ['subscribers', 'events published', 'events delivered', 'lost', 'latency p50', 'latency p99', 'API RSS per idle subscriber', 'API CPU while streaming'];

function consoleLines(results: FanoutResult[]): string[] {
  const rows = [HEADER, ...results.map(row)];
  const widths = HEADER.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  const lines = rows.map((r) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  '));
  for (const r of results) for (const error of r.errors) lines.push(`${int(r.subscribers)} subscribers: ${error}`);
  return lines;
}

function verdict(results: FanoutResult[]): string[] {
  const largest = results.reduce<FanoutResult | undefined>((a, b) => (!a || b.subscribers > a.subscribers ? b : a), undefined);
  if (!largest) return [];
  const check = (ok: boolean) => (ok ? 'met' : '**not met**');
  return [
    `Targets at ${int(largest.subscribers)} subscribers (the issue sets them at 10,000):`,
    `- p99 ≤ ${FANOUT_TARGETS.p99Ms} ms: ${ms(largest.latency.p99)} — ${check(largest.latency.p99 <= FANOUT_TARGETS.p99Ms)}`,
    `- 0 lost: ${int(largest.lost)} — ${check(largest.lost === FANOUT_TARGETS.lost && largest.errors.length === 0)}`,
    `- ≤ ${kb(FANOUT_TARGETS.rssPerIdleSubscriberBytes)} RSS per idle subscriber: ${kb(largest.rssPerIdleSubscriberBytes)} — ${check(largest.rssPerIdleSubscriberBytes <= FANOUT_TARGETS.rssPerIdleSubscriberBytes)}`,
  ];
}

function markdown(results: FanoutResult[], settings: FanoutSettings): string[] {
  const perSecond = (settings.jobs * 1000) / settings.intervalMs;
  return [
    '## Live fan-out',
    '',
    `One \`pressroom serve\` process; N graphql-ws clients (one connection and one \`job(id)\` subscription each) from ${settings.clientProcesses} client processes; a \`pressroom worker\` process running ${settings.jobs} jobs that each report progress ${settings.eventsPerJob} times, one every ${int(settings.intervalMs)} ms (the jobs staggered: ${int(perSecond)} reports/s in all), published through Redis. Subscriber i follows job i mod ${settings.jobs}, so each report goes to N/${settings.jobs} subscribers and the API sends N × ${int(perSecond / settings.jobs)} messages/s.`,
    '',
    `| ${HEADER.join(' | ')} |`,
    `| ${HEADER.map((_, c) => (c === 0 ? '---' : '---:')).join(' | ')} |`,
    ...results.map((r) => `| ${row(r).join(' | ')} |`),
    '',
    ...verdict(results),
    '',
    'Method:',
    '- a fresh database per N; the jobs are enqueued first and stay queued while the subscribers connect (each subscription is live once its snapshot, the job still queued, arrived), then the worker process starts them;',
    "- latency: the client's receive time − the send time the handler wrote into the report (same machine clock), for the first receipt of each report;",
    '- delivered of expected: the reports of its job that the worker published through Redis (seen by a Redis subscriber of the bench) after its snapshot, and how many of those each subscriber received; a subscription sends the job as it is when it reads it, so a report superseded by a newer one before that read is skipped (more of them on a busy machine);',
    '- lost: for each subscriber, the published reports after the last one it received (it never caught up with them);',
    '- RSS per idle subscriber: (API VmRSS with every subscriber connected and no event flowing − VmRSS before the first connection) / N, each read after a full GC triggered through the inspector (the bench starts the API with `--inspect=127.0.0.1:0`; nothing in the product);',
    `- CPU: utime + stime of the API process (/proc/<pid>/stat) from the first published report until every subscriber saw its job complete, over that wall time (100% = one core); the client processes, worker, PostgreSQL and Redis share the same cores (the client processes together: ${results.map((r) => `${pct(r.clientCpuPercent)} at ${int(r.subscribers)}`).join(', ')}).`,
  ];
}
