// The reliability suite's figures: console lines and the `reliability` section of bench/RESULTS.md.
import { cpus } from 'node:os';
import type { FolderLockResult } from './folderLock.ts';
import { DOCUMENT_CACHES_MB } from '../src/api/documentCaches.ts';
import { memoryBounded, ROUND_HEAP_MARGIN_MB, type FuzzResult, type FuzzRound } from './fuzz.ts';
import type { PostgresRestartsResult } from './postgresRestarts.ts';
import type { RedisOutageResult } from './redisOutage.ts';
import type { WorkerKillsResult } from './workerKills.ts';
import { percentile } from './cluster.ts';

export interface ChaosResults {
  kills?: WorkerKillsResult;
  postgres?: PostgresRestartsResult;
  redis?: RedisOutageResult;
  fuzz?: FuzzResult;
  lock?: FolderLockResult;
}

const s = (ms: number) => (Number.isFinite(ms) ? `${(ms / 1000).toFixed(2)} s` : '–');
const ok = (pass: boolean) => (pass ? 'met' : '**not met**');

export function reliabilityLines(r: ChaosResults): string[] {
  const lines: string[] = [];
  if (r.kills) {
    const { kills, lost, completedTwice, effectTwice, recoveryMs, supervisorRecoveryMs } = r.kills;
    const max = recoveryMs.at(-1) ?? NaN;
    lines.push(
      `- **Worker killed mid-job** (SIGKILL, ${kills} times, default settings: 30 s lease, 5 s supervisor interval, 15 s supervisor lease; three \`pressroom worker\` processes, which supervise too, the killed one replaced): ` +
        `${lost} lost, ${completedTwice} completed twice, ${effectTwice} handler effects done twice; the job running again elsewhere after p50 ${s(percentile(recoveryMs, 0.5))}, max ${s(max)}; ` +
        `${supervisorRecoveryMs.length} of the kills took the supervising process down too: p50 ${s(percentile(supervisorRecoveryMs, 0.5))}, max ${s(supervisorRecoveryMs.at(-1) ?? NaN)} — target ≤ 5 s ${ok(lost === 0 && completedTwice === 0 && effectTwice === 0 && max <= 5_000)}.`,
    );
  }
  if (r.postgres) {
    const p = r.postgres;
    lines.push(
      `- **PostgreSQL restarted ${p.restarts} times under load** (\`pg_ctl stop -m fast\`, 2 s down, start; a \`pressroom serve\` and two workers, enqueues and reads without pause): ${p.calls} calls — ${p.served} served, ${p.unavailable} answered 503 DATABASE_UNAVAILABLE, ${p.otherErrors} other errors, ${p.hangs} without an answer in 10 s, the slowest answer after ${s(p.slowestMs)} (bound: the 5 s connect timeout plus 0.1 s); ` +
        `${p.acknowledged} jobs acknowledged, ${p.lost} lost; ${p.processesDied} processes died; first served call after each restart: ${p.recoveryMs.map(s).join(', ')} — ${ok(p.lost === 0 && p.otherErrors === 0 && p.hangs === 0 && p.processesDied === 0)}.`,
    );
  }
  if (r.redis) {
    const x = r.redis;
    lines.push(
      `- **Redis stopped ${s(x.downMs)}** with ${x.subscribers} graphql-ws \`queueStats\` subscribers: ${x.callsServed} of ${x.calls} queries and mutations served meanwhile; ${x.toldDown} subscribers told EVENTS_UNAVAILABLE, ${x.freshAfter} sent a fresh snapshot once Redis was back (the last ${s(x.resumeMs)} after), ${x.silent} silent — ${ok(x.callsServed === x.calls && x.silent === 0 && x.freshAfter === x.subscribers)}.`,
    );
  }
  if (r.fuzz) {
    const f = r.fuzz;
    const bounded = memoryBounded(f);
    const mb = (n: number) => n.toFixed(0);
    const round = (x: FuzzRound, n: number) =>
      `round ${n} (${x.documents}): RSS ${mb(x.rssAfterMb)} MB as it ends, ${mb(x.rssRestedMb)} MB after 10 s at rest, ${mb(x.rssMb)} MB after a full GC (heap ${mb(x.heapMb)} MB)`;
    lines.push(
      `- **${f.documents} fuzzed GraphQL documents** (${f.http} over HTTP POST/GET, ${f.ws} over graphql-ws; cut, spliced, garbled, deep, aliased, wrong variables): ${f.crashes} crashes, ${f.serverErrors} 5xx, ${f.leaks} responses with a stack trace, SQL or a path, ${f.hangs} hangs, ${f.socketsClosed} sockets closed by the server; ` +
        `API memory before: RSS ${mb(f.before.rssMb)} MB, heap ${mb(f.before.heapMb)} MB after a full GC; ${f.rounds.map((x, i) => round(x, i + 1)).join('; ')}; ` +
        `bound (the heap kept after round 2 within the parse caches' ${DOCUMENT_CACHES_MB} MB, and within ${ROUND_HEAP_MARGIN_MB} MB of round 1's) ${bounded ? 'held' : '**not held**'} — ${ok(f.crashes + f.serverErrors + f.leaks + f.hangs + f.socketsClosed === 0 && bounded)}.` +
        (f.examples.length ? ` Examples: ${f.examples.map((e) => `\`${e.replace(/`/g, "'")}\``).join('; ')}` : ''),
    );
  }
  if (r.lock) {
    const l = r.lock;
    lines.push(
      `- **Embedded folder lock under kill -9** (\`pressroom start\` ${l.from === 'build' ? 'from the compiled build, as `npm start` runs it' : 'from the source through tsx'}, SIGKILL, start again at once, ${l.kills} times): ${l.refused} restarts refused, ${l.failed} failed otherwise; ` +
        `running again after p50 ${s(percentile(l.restartMs, 0.5))}, max ${s(l.restartMs.at(-1) ?? NaN)} (Node.js and PGlite starting; taking over the dead process's lock is a few ms) — target ≤ 5 s ${ok(l.refused === 0 && l.failed === 0 && l.restartMs.length === l.kills && (l.restartMs.at(-1) ?? Infinity) <= 5_000)}.`,
    );
  }
  return lines;
}

/** `loads`: the 1-minute load averages seen at the start and the end of the run. */
export function reliabilityMarkdown(r: ChaosResults, started: Date, loads: number[]): string[] {
  return [
    '## Reliability',
    '',
    `\`npm run chaos\` (${started.toISOString().slice(0, 16).replace('T', ' ')} UTC): real Pressroom processes against a PostgreSQL 15 and a Redis the suite starts itself (own data folder, own loopback ports), so that it may kill, stop and restart them. Figures from a shared ${cpus().length}-core machine (1-minute load average ${loads.map((l) => l.toFixed(1)).join(' at the start, ')} at the end): times are noisy.`,
    '',
    ...reliabilityLines(r),
  ];
}
