// Runs the engine figures for each system and renders them: the console table and RESULTS.md.
import type { EngineSystem, Timed } from './system.ts';

export interface BenchSize {
  /** Jobs per throughput figure (BENCH_JOBS). */
  jobs: number;
  /** Runs per figure; a figure is their median (BENCH_RUNS). */
  runs: number;
  /** Concurrent clients of the single enqueue. */
  clients: number;
  /** Concurrency of the drain figure. */
  concurrency: number;
  latencyJobs: number;
  latencyEveryMs: number;
  /** Figures to measure (BENCH_FIGURES: bulk,single,drain,drainFastest,latency); all when absent. */
  only?: Set<string>;
}

export const FIGURES = [
  { key: 'bulk', label: 'bulk enqueue', unit: 'jobs/s', higherIsBetter: true },
  { key: 'single', label: 'single enqueue', unit: 'jobs/s', higherIsBetter: true },
  { key: 'drain', label: 'drain, concurrency 10', unit: 'jobs/s', higherIsBetter: true },
  { key: 'drainFastest', label: 'drain, fastest', unit: 'jobs/s', higherIsBetter: true },
  { key: 'p50', label: 'latency p50', unit: 'ms', higherIsBetter: false },
  { key: 'p95', label: 'latency p95', unit: 'ms', higherIsBetter: false },
  { key: 'p99', label: 'latency p99', unit: 'ms', higherIsBetter: false },
] as const;
export type FigureKey = (typeof FIGURES)[number]['key'];

export interface Summary {
  median: number;
  min: number;
  max: number;
  samples: number[];
}

export interface SystemResult {
  name: string;
  settings: Record<string, string>;
  figures: Partial<Record<FigureKey, Summary>>;
  /** Jobs the drain figures covered when fewer than asked. */
  notes: string[];
  errors: string[];
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

export function summarize(samples: number[]): Summary {
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { median, min: sorted[0]!, max: sorted[sorted.length - 1]!, samples };
}

const rate = (timed: Timed) => (timed.jobs * 1000) / timed.ms;

/** One figure on a fresh setup, torn down after even when it fails. */
async function once<T>(system: EngineSystem, measure: () => Promise<T>): Promise<T> {
  await system.setup();
  try {
    return await measure();
  } finally {
    await system.teardown();
  }
}

const stepKeys: Record<string, string> = { 'bulk enqueue': 'bulk', 'single enqueue': 'single' };

/**
 * Measures every figure of every system `size.runs` times, the systems interleaved within each
 * run so that a slow spell of the machine does not fall on one system only.
 */
export async function measureSystems(systems: EngineSystem[], size: BenchSize, progress: (line: string) => void = () => {}): Promise<SystemResult[]> {
  const samples = systems.map(() => new Map<FigureKey, number[]>());
  const results: SystemResult[] = systems.map((s) => ({ name: s.name, settings: s.settings, figures: {}, notes: [], errors: [] }));
  const add = (i: number, key: FigureKey, value: number): void => {
    samples[i]!.set(key, [...(samples[i]!.get(key) ?? []), value]);
  };
  for (let run = 1; run <= size.runs; run++) {
    for (const [i, system] of systems.entries()) {
      const result = results[i]!;
      const step = async (what: string, measure: () => Promise<void>) => {
        if (size.only && !size.only.has(stepKeys[what] ?? what)) return;
        try {
          await once(system, measure);
        } catch (error) {
          const message = `run ${run}, ${what}: ${error instanceof Error ? error.message : String(error)}`;
          result.errors.push(message);
          progress(`${system.name}: ${message}`);
        }
      };
      await step('bulk enqueue', async () => add(i, 'bulk', rate(await system.bulkEnqueue(size.jobs))));
      await step('single enqueue', async () => add(i, 'single', rate(await system.singleEnqueue(size.jobs, size.clients))));
      for (const [key, mode] of [
        ['drain', size.concurrency],
        ['drainFastest', 'fastest'],
      ] as const) {
        await step(key, async () => {
          const timed = await system.drain(size.jobs, mode);
          const note = `${key === 'drain' ? 'drain, concurrency 10' : 'drain, fastest'} covers ${timed.jobs.toLocaleString('en')} jobs, not ${size.jobs.toLocaleString('en')}`;
          if (timed.jobs !== size.jobs && !result.notes.includes(note)) result.notes.push(note);
          add(i, key, rate(timed));
        });
      }
      await step('latency', async () => {
        const latencies = (await system.latency(size.latencyJobs, size.latencyEveryMs)).sort((a, b) => a - b);
        for (const p of [50, 95, 99] as const) add(i, `p${p}`, percentile(latencies, p));
      });
      progress(`run ${run}/${size.runs}: ${system.name} done`);
    }
  }
  for (const [i, result] of results.entries()) {
    for (const [key, values] of samples[i]!) result.figures[key] = summarize(values);
  }
  return results;
}

function formatValue(value: number, unit: string): string {
  if (unit === 'ms') return value < 100 ? value.toFixed(1) : Math.round(value).toLocaleString('en');
  return Math.round(value).toLocaleString('en');
}

function cell(summary: Summary | undefined, unit: string): string {
  if (!summary) return '—';
  const median = formatValue(summary.median, unit);
  if (summary.samples.length < 2) return median;
  return `${median} (${formatValue(summary.min, unit)}–${formatValue(summary.max, unit)})`;
}

/** How far Pressroom is ahead of `peer` on a figure: above 1 means Pressroom is better. */
export function advantage(pressroom: Summary | undefined, peer: Summary | undefined, higherIsBetter: boolean): number | undefined {
  if (!pressroom || !peer || !(pressroom.median > 0) || !(peer.median > 0)) return undefined;
  return higherIsBetter ? pressroom.median / peer.median : peer.median / pressroom.median;
}

function ratioCell(ratio: number | undefined): string {
  return ratio === undefined ? '—' : `${ratio.toFixed(2)}×`;
}

/**
 * Rows of the table: a figure, each system's median (range), and (with `compare`) Pressroom's
 * advantage over each peer. Figures no system measured are left out.
 */
export function tableRows(results: SystemResult[], compare = true): string[][] {
  const [pressroom, ...peers] = compare ? results : results.slice(0, 1);
  const header = ['figure', ...results.map((r) => r.name), ...peers.map((p) => `Pressroom vs ${p.name}`)];
  const measured = FIGURES.filter((f) => results.some((r) => r.figures[f.key]));
  const rows = measured.map((f) => [
    `${f.label} (${f.unit})`,
    ...results.map((r) => cell(r.figures[f.key], f.unit)),
    ...peers.map((p) => ratioCell(advantage(pressroom?.figures[f.key], p.figures[f.key], f.higherIsBetter))),
  ]);
  return [header, ...rows];
}

export function renderTable(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  const line = (r: string[]) => r.map((v, c) => (c === 0 ? v.padEnd(widths[c]!) : v.padStart(widths[c]!))).join('  ');
  return [line(rows[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)].join('\n');
}

export function renderMarkdownTable(rows: string[][]): string {
  const line = (r: string[]) => `| ${r.join(' | ')} |`;
  return [line(rows[0]!), line(rows[0]!.map((_, c) => (c === 0 ? '---' : '---:'))), ...rows.slice(1).map(line)].join('\n');
}

/** Issue #15's targets for Pressroom (and, when measured, Pressroom at size), checked against the figures. */
export function targets(results: SystemResult[], atSize?: SystemResult): { target: string; figure: string; met: boolean | undefined }[] {
  const find = (name: string) => results.find((r) => r.name === name)?.figures;
  const pressroom = results[0]?.figures ?? {};
  const gw = find('graphile-worker');
  const pgBoss = find('pg-boss');
  const peerBulk = Math.max(...results.slice(1).filter((r) => !r.name.includes('Redis')).map((r) => r.figures.bulk?.median ?? 0));
  const fmt = (v: number | undefined, unit: string) => (v === undefined ? '—' : `${formatValue(v, unit)} ${unit}`);
  const atLeast = (target: string, ours: Summary | undefined, theirs: number | undefined, unit: string) => ({
    target,
    figure: `${fmt(ours?.median, unit)} vs ${fmt(theirs, unit)}`,
    met: ours === undefined || theirs === undefined ? undefined : ours.median >= theirs,
  });
  const atMost = (target: string, ours: Summary | undefined, theirs: number | undefined) => ({
    target,
    figure: `${fmt(ours?.median, 'ms')} vs ${fmt(theirs, 'ms')}`,
    met: ours === undefined || theirs === undefined ? undefined : ours.median <= theirs,
  });
  const single = pressroom.single?.median;
  return [
    atLeast("drain (concurrency 10, defaults) ≥ 1.0× graphile-worker's fastest", pressroom.drain, gw?.drainFastest?.median, 'jobs/s'),
    atLeast('bulk enqueue ≥ the best PostgreSQL peer', pressroom.bulk, peerBulk > 0 ? peerBulk : undefined, 'jobs/s'),
    {
      target: "single enqueue (8 clients) ≥ 5,000 jobs/s and ≥ pg-boss's",
      figure: `${fmt(single, 'jobs/s')} vs ${fmt(pgBoss?.single?.median, 'jobs/s')}`,
      met: single === undefined ? undefined : single >= 5_000 && single >= (pgBoss?.single?.median ?? 0),
    },
    atMost("enqueue-to-start p99 ≤ graphile-worker's", pressroom.p99, gw?.p99?.median),
    ...(atSize
      ? [
          atLeast("at size: drain ≥ 1.0× graphile-worker's fastest", atSize.figures.drain, gw?.drainFastest?.median, 'jobs/s'),
          atMost("at size: enqueue-to-start p99 ≤ graphile-worker's", atSize.figures.p99, gw?.p99?.median),
        ]
      : []),
  ];
}
