// The API bench's table for the console and its section of RESULTS.md.
import { FIXES, HELD_BACK } from './fixes.ts';
import type { Loaded } from './loader.ts';
import type { LoadSettings, Measured, Pass } from './measure.ts';

export const P99_TARGET_MS = 25;

const ms = (value: number) => (value < 10 ? value.toFixed(1) : String(Math.round(value)));
const count = (value: number) => Math.round(value).toLocaleString('en-US');
const passCells = (pass: Pass) => [ms(pass.p50), ms(pass.p99), count(pass.requestsPerSecond)];

/** The target is a client's latency: the pass with the fewest connections. */
function verdict(row: Measured): string {
  const errors = row.passes.reduce((sum, pass) => sum + pass.errors, 0);
  if (errors > 0) return `${errors} errors: ${row.passes.find((pass) => pass.firstError)?.firstError}`;
  if (!row.page) return 'baseline';
  return row.passes[0]!.p99 <= P99_TARGET_MS ? 'met' : 'missed';
}

function header(rows: Measured[]): string[] {
  const passes = rows[0]?.passes ?? [];
  return ['query', ...passes.flatMap((pass) => [`p50 ms (${pass.connections} c.)`, `p99 ms (${pass.connections} c.)`, `req/s (${pass.connections} c.)`]), `p99 ≤ ${P99_TARGET_MS} ms`];
}

export function renderConsole(rows: Measured[]): string[] {
  const table = [header(rows), ...rows.map((row) => [row.name, ...row.passes.flatMap(passCells), verdict(row)])];
  const widths = table[0]!.map((_, i) => Math.max(...table.map((cells) => cells[i]!.length)));
  return table.map((cells) => cells.map((cell, i) => (i === 0 || i === cells.length - 1 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ').trimEnd());
}

export function renderMarkdown(rows: Measured[], loaded: Loaded, settings: LoadSettings): string[] {
  const columns = header(rows);
  return [
    '## API latency at scale',
    '',
    `${count(loaded.jobs)} jobs, ${count(loaded.history)} history entries and ${count(loaded.items)} job items, loaded in ` +
      `${loaded.loadSeconds} s straight from SQL (\`INSERT … SELECT FROM generate_series\`, indexes built after the rows, then \`VACUUM ANALYZE\`)` +
      `${loaded.reused ? ' by an earlier run and reused' : ''}.`,
    'One `pressroom serve` process (default pool of 10 connections) on that database, driven over HTTP by autocannon from the bench ' +
      `process as the local admin (no key, loopback), one query at a time: for each of ${settings.connections.join(' and ')} connections, ` +
      `${settings.warmupSeconds} s of warm-up, then ${settings.durationSeconds} s measured. The connections send back to back, without pause: ` +
      'with one, the figures are what a client waits; with more, the server is saturated, req/s is its throughput and latency is ' +
      'connections ÷ throughput. The target is read at one connection. The job by run id cycles through 1,000 run ids spread over the table.',
    '',
    `| ${columns.join(' | ')} |`,
    `| --- | ${columns.slice(1, -1).map(() => '---:').join(' | ')} | --- |`,
    ...rows.map((row) => `| ${[row.name, ...row.passes.flatMap(passCells), verdict(row)].join(' | ')} |`),
    '',
    ...(rows.some((row) => verdict(row) === 'missed') ? ['### What holds the missed target back', '', HELD_BACK, ''] : []),
    '### What each fix bought',
    '',
    ...FIXES.map((fix) => `- **${fix.fix}**: ${fix.bought}`),
  ];
}
