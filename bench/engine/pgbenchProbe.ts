// What this PostgreSQL does with nothing of ours in the way: pgbench, 8 clients, a plain INSERT
// and an INSERT followed by NOTIFY per transaction (NOTIFY serialises commits). The engine
// figures read against these: a single enqueue is an INSERT (with its history) per caller.
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { createScratchDatabase } from './system.ts';

export interface ProbeResult {
  name: string;
  tps: number | null;
  error?: string;
}

const SCRIPTS = {
  'INSERT': 'insert into probe (payload) values (\'{"i": 1}\');',
  'INSERT + NOTIFY': 'begin;\ninsert into probe (payload) values (\'{"i": 1}\');\nnotify probe_channel;\ncommit;',
};

function pgbench(url: string, scriptFile: string, clients: number, seconds: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn('pgbench', ['-n', '-c', String(clients), '-j', '2', '-T', String(seconds), '-f', scriptFile, url], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      const tps = /tps = ([\d.]+)/.exec(output)?.[1];
      if (code === 0 && tps) resolve(Number(tps));
      else reject(new Error(`pgbench exited ${code}: ${output.trim().split('\n').at(-1)}`));
    });
  });
}

/** Runs each probe for `seconds` on a scratch database; a missing pgbench is reported, not thrown. */
export async function runPgbenchProbe(serverUrl: string, clients = 8, seconds = 10): Promise<ProbeResult[]> {
  const scratch = await createScratchDatabase(serverUrl, `bench_pgbench_${process.pid}`);
  const folder = await mkdtemp(join(tmpdir(), 'pressroom-pgbench-'));
  try {
    const sql = postgres(scratch.url, { max: 1, onnotice: () => {} });
    await sql`create table probe (id bigserial primary key, payload jsonb not null, created_at timestamptz not null default now())`;
    await sql.end();
    const results: ProbeResult[] = [];
    for (const [name, script] of Object.entries(SCRIPTS)) {
      const file = join(folder, `${results.length}.sql`);
      await writeFile(file, script);
      try {
        results.push({ name, tps: await pgbench(scratch.url, file, clients, seconds) });
      } catch (error) {
        results.push({ name, tps: null, error: (error as Error).message });
      }
    }
    return results;
  } finally {
    await rm(folder, { recursive: true, force: true });
    await scratch.drop();
  }
}
