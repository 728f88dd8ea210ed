// The command line as a user meets it: quick help, refusals before anything is written, every
// README command beside a running embedded Pressroom, a file of jobs, one clear line when a
// dependency is down, and a graceful stop through npm's wrapper. Processes run from the sources.
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDatabase, query } from '../src/db/client.ts';
import { sql } from 'drizzle-orm';
import postgres from 'postgres';
import { migrationsFolder } from '../src/db/migrate.ts';
import { serverMode } from './support/db.ts';
import { serverUrlFor } from './support/urls.ts';
import { cliEnv, newFolder, pressroom, STACK_FRAME, useCliProcesses, watch } from './support/cli.ts';

useCliProcesses();

/** Each test starts several processes from the sources: on a busy shared machine, a minute each is not much. */
const PROCESSES = { timeout: 240_000 };

const finished = async (cli: ReturnType<typeof pressroom>) => ({ code: await cli.exited, stdout: cli.stdout(), output: cli.output() });

async function dataFolder() {
  return { PRESSROOM_DATA_DIR: path.join(await newFolder(), 'data'), PRESSROOM_PORT: '0' };
}

/** Rows of the embedded database in `dataDir`, once no process holds it. */
async function rowsOf<Row>(dataDir: string, statement: ReturnType<typeof sql>): Promise<Row[]> {
  const database = await openDatabase({ dataDir });
  try {
    return await query<Row>(database.db, statement);
  } finally {
    await database.close();
  }
}

describe('pressroom', PROCESSES, () => {
  it('answers --version and --help without opening anything', async () => {
    const env = await dataFolder();
    const version = await finished(pressroom(['--version'], env));
    expect(version).toMatchObject({ code: 0, stdout: '0.1.0\n' });
    const help = await finished(pressroom(['--help'], env));
    expect(help.code).toBe(0);
    for (const command of ['start', 'serve', 'worker', 'supervisor', 'migrate', 'enqueue', 'keys']) expect(help.stdout).toContain(command);
    expect(existsSync(env.PRESSROOM_DATA_DIR)).toBe(false);
  });

  it('refuses a negative --priority and an unknown --queue, enqueuing nothing; prints only the job on stdout', async () => {
    const env = await dataFolder();
    const negative = await finished(pressroom(['enqueue', 'document.process', '--priority', '-5'], env));
    expect(negative.code).toBe(1);
    expect(negative.output).toMatch(/--priority.*expected a whole number from 0 to 1000/);
    const typo = await finished(pressroom(['enqueue', 'document.process', '--queue', 'documnets'], env));
    expect(typo.code).toBe(1);
    // A new folder knows only the print pipeline's own queues.
    expect(typo.output).toContain('unknown queue documnets (known: print, print-historical, print-production); pass --new-queue to start it');
    expect(typo.output).not.toMatch(STACK_FRAME);
    expect(await rowsOf(env.PRESSROOM_DATA_DIR, sql`select id from jobs`)).toEqual([]);

    const made = await finished(pressroom(['enqueue', 'document.process', '--queue', 'documents', '--new-queue', '--priority', '5', '--reason', 'first'], env));
    expect(made.code, made.output).toBe(0);
    // stdout is the job and nothing else: a script can parse it.
    expect(JSON.parse(made.stdout)).toMatchObject({ runId: expect.stringMatching(/^document-process-/), queue: 'documents', priority: 5, status: 'queued' });
    const again = await finished(pressroom(['enqueue', 'document.process', '--queue', 'documents'], env));
    expect(again.code, again.output).toBe(0);
  });

  it('enqueues a file of jobs, and refuses a file with a bad line, naming it, before enqueuing any', async () => {
    const env = await dataFolder();
    const folder = path.dirname(env.PRESSROOM_DATA_DIR);
    const bad = path.join(folder, 'bad.ndjson');
    await writeFile(bad, ['{"kind":"document.process"}', '{"kind":"document.process","priority":"high"}', 'not json', ''].join('\n'));
    const refused = await finished(pressroom(['enqueue', '--file', bad], env));
    expect(refused.code).toBe(1);
    expect(refused.output).toContain('line 2: priority');
    expect(refused.output).toContain('line 3: not JSON');
    expect(refused.output).not.toMatch(STACK_FRAME);

    // Kinds and payloads are checked for the whole file too (past the first statement's 1,000 jobs), by line.
    const lines = Array.from({ length: 1_500 }, (_, i) => JSON.stringify({ kind: 'document.process', payload: { title: `doc-${i}` } }));
    lines[1_199] = JSON.stringify({ kind: 'document.process', payload: { pageMs: 'fast' } });
    lines[1_399] = JSON.stringify({ kind: 'no.such.kind' });
    const late = path.join(folder, 'late.ndjson');
    await writeFile(late, ['', ...lines].join('\n'));
    const lateRefused = await finished(pressroom(['enqueue', '--file', late], env));
    expect(lateRefused.code).toBe(1);
    expect(lateRefused.output).toContain('line 1201: payload.pageMs');
    expect(lateRefused.output).toContain('line 1401: kind: unknown job kind no.such.kind');
    expect(await rowsOf(env.PRESSROOM_DATA_DIR, sql`select id from jobs`)).toEqual([]);

    const good = path.join(folder, 'jobs.ndjson');
    await writeFile(good, Array.from({ length: 25 }, (_, i) => JSON.stringify({ kind: 'document.process', payload: { title: `doc-${i}` } })).join('\n'));
    const done = await finished(pressroom(['enqueue', '--file', good, '--reason', 'catalogue'], env));
    expect(done.code, done.output).toBe(0);
    expect(done.stdout).toMatch(/^enqueued 25 jobs from .*jobs\.ndjson: document-process-\S+ … document-process-\S+\n$/);
    const rows = await rowsOf<{ n: number }>(env.PRESSROOM_DATA_DIR, sql`select count(*)::int as n from history where operation = 'enqueue' and actor = 'cli' and reason = 'catalogue'`);
    expect(rows).toEqual([{ n: 25 }]);
  });

  it('stops with one clear line when Redis or PostgreSQL cannot be reached, before touching anything', async () => {
    const env = await dataFolder();
    const redis = await finished(pressroom(['serve'], { ...env, REDIS_URL: 'redis://127.0.0.1:1' }));
    expect(redis.code).toBe(1);
    expect(redis.output).toMatch(/^cannot reach Redis at redis:\/\/127\.0\.0\.1:1: .+\n$/);
    expect(existsSync(env.PRESSROOM_DATA_DIR)).toBe(false);
    const postgres = await finished(pressroom(['migrate'], { DATABASE_URL: 'postgres://root:secret@127.0.0.1:1/nowhere' }));
    expect(postgres.code).toBe(1);
    expect(postgres.output).toMatch(/^cannot reach PostgreSQL at postgres:\/\/root:\*\*\*@127\.0\.0\.1:1\/nowhere: .+\n$/);
  });
});

describe('on a PostgreSQL database that lacks migrations', PROCESSES, () => {
  it.skipIf(!serverMode)('says how many it applies, and nothing once there are none', async () => {
    const { entries } = JSON.parse(readFileSync(path.join(migrationsFolder, 'meta', '_journal.json'), 'utf8')) as { entries: unknown[] };
    const admin = postgres(process.env.DATABASE_URL!, { max: 1, onnotice: () => {} });
    const name = `pressroom_t_migrate_${process.pid}`;
    await admin.unsafe(`create database ${name}`);
    try {
      const env = { DATABASE_URL: serverUrlFor(process.env.DATABASE_URL!, name) };
      const first = await finished(pressroom(['migrate'], env));
      expect(first.code, first.output).toBe(0);
      expect(first.output).toContain(`"pending":${entries.length},"msg":"applying ${entries.length} database migrations"`);
      expect(first.output).toContain('"msg":"database migrated"');
      const again = await finished(pressroom(['migrate'], env));
      expect(again).toMatchObject({ code: 0, stdout: 'migrations applied\n' });
      expect(again.output).not.toContain('applying');
    } finally {
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end();
    }
  });
});

describe('beside a running embedded Pressroom', PROCESSES, () => {
  it('runs every README command through its API, as "cli", and the Pressroom stops gracefully on SIGTERM', async () => {
    const env = await dataFolder();
    const server = pressroom(['start', '--no-demo'], env);
    await server.waitForOutput(/GraphiQL at http/);
    const url = /GraphiQL at (http[^"\s]+)/.exec(server.output())![1]!;
    await server.waitForOutput(/worker started/);

    const created = await finished(pressroom(['keys', 'create', 'support-desk', '--role', 'admin', '--reason', 'new desk'], env));
    expect(created.code, created.output).toBe(0);
    const key = /^(prk_\S+)$/m.exec(created.stdout)![1]!;
    // The first key ends the local admin: said where the person creating it looks.
    expect(created.output).toContain('API keys exist, so every client needs one, GraphiQL on this machine too');

    const enqueued = await finished(
      pressroom(['enqueue', 'document.process', '--queue', 'documents', '--new-queue', '--payload', '{"title":"spring-catalogue","pageMs":0}', '--items', 'page-1,page-2,page-3', '--reason', 'reprint'], env),
    );
    expect(enqueued.code, enqueued.output).toBe(0);
    const job = JSON.parse(enqueued.stdout) as { runId: string; queue: string };
    expect(job).toMatchObject({ queue: 'documents', status: 'queued' });

    const folder = path.dirname(env.PRESSROOM_DATA_DIR);
    const file = path.join(folder, 'jobs.ndjson');
    await writeFile(file, Array.from({ length: 12 }, (_, i) => JSON.stringify({ kind: 'document.process', queue: 'documents', payload: { title: `t${i}`, pageMs: 0 } })).join('\n'));
    const unknownKind = path.join(path.dirname(env.PRESSROOM_DATA_DIR), 'unknown.ndjson');
    await writeFile(unknownKind, [JSON.stringify({ kind: 'document.process', queue: 'documents' }), JSON.stringify({ kind: 'no.such.kind', queue: 'documents' })].join('\n'));
    const refused = await finished(pressroom(['enqueue', '--file', unknownKind], env));
    expect(refused.code).toBe(1);
    expect(refused.output).toContain('line 2: kind: unknown job kind no.such.kind');
    const many = await finished(pressroom(['enqueue', '--file', file], env));
    expect(many.code, many.output).toBe(0);
    expect(many.stdout).toMatch(/^enqueued 12 jobs/);

    const listed = await finished(pressroom(['keys', 'list'], env));
    expect(listed.stdout).toMatch(/^support-desk\tadmin\tlive\t/m);
    const migrated = await finished(pressroom(['migrate'], env));
    expect(migrated).toMatchObject({ code: 0 });
    expect(migrated.stdout).toContain(`the Pressroom running on this folder (pid ${server.child.pid}) applied them`);

    // The imports of docs/print.md and README's production tracking, through the same API.
    await mkdir(path.join(folder, 'documents'));
    await writeFile(path.join(folder, 'documents', 'a.pdf'), 'alpha');
    const documents = await finished(pressroom(['documents', 'import', path.join(folder, 'documents'), '--customer', 'acme'], env));
    expect(documents.code, documents.output).toBe(0);
    expect(documents.stdout).toMatch(/^imported 1 documents, 0 existing/);
    const references = path.join(folder, 'files.csv');
    await writeFile(references, 'imposition_id,file_id\nIMP-1,FILE_1_Labex_7000_1_1\n');
    const tracking = await finished(pressroom(['tracking', 'import', references], env));
    expect(tracking).toMatchObject({ code: 0, stdout: `imported 1 rows from ${references}\n` });

    // The running Pressroom did the work, recorded as the CLI's, and logged who did what and why.
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({ query: 'query Q($id: ID!) { job(id: $id) { runId history(first: 5) { edges { node { actor operation reason } } } } }', variables: { id: job.runId } }),
    });
    const body = (await response.json()) as { data: { job: { history: { edges: { node: unknown }[] } } } };
    expect(body.data.job.history.edges.map((e) => e.node)).toContainEqual({ actor: 'cli', operation: 'enqueue', reason: 'reprint' });
    expect(server.output()).toMatch(/cli ran createApiKey \(reason: new desk\): CreatedApiKey/);

    const revoked = await finished(pressroom(['keys', 'revoke', 'support-desk', '--reason', 'desk closed'], env));
    expect(revoked).toMatchObject({ code: 0, stdout: 'revoked support-desk\n' });
    await server.waitForOutput(/cli ran revokeApiKey \(reason: desk closed\)/);

    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    expect(server.output()).toMatch(/worker stopped/);
    // The folder is free, and the API's address for the CLI is gone with the process.
    expect(existsSync(path.join(env.PRESSROOM_DATA_DIR, 'pressroom.api.json'))).toBe(false);
    const keys = await rowsOf<{ name: string; revoked: boolean }>(env.PRESSROOM_DATA_DIR, sql`select name, revoked_at is not null as revoked from api_keys`);
    expect(keys).toEqual([{ name: 'support-desk', revoked: true }]);
  });
});

describe('started through npm', PROCESSES, () => {
  it.each(['SIGINT', 'SIGTERM'] as const)('stops gracefully on %s to the whole process group (Ctrl-C in a terminal), releasing jobs and the folder', async (signal) => {
    const env = await dataFolder();
    // npm exec runs it as npm start does: npm, then a shell, then node.
    const npm = watch('npm', ['exec', '--', 'node', '--import', 'tsx', 'src/cli.ts', 'start', '--no-demo'], { env: cliEnv(env), detached: true });
    await npm.waitForOutput(/worker started/);
    process.kill(-npm.child.pid!, signal);
    // npm waits for it on SIGINT, and exits at once on SIGTERM: Pressroom stops either way.
    await npm.waitForOutput(/"msg":"stopped"/);
    expect(npm.output()).toMatch(/worker stopped/);
    // The folder is free: a command opens it without waiting for a stale lock.
    const after = await finished(pressroom(['migrate'], env));
    expect(after).toMatchObject({ code: 0, stdout: 'migrations applied\n' });
  });

  it('stops when only npm is told to stop (SIGTERM to npx pressroom)', async () => {
    const env = await dataFolder();
    const npm = watch('npm', ['exec', '--', 'node', '--import', 'tsx', 'src/cli.ts', 'worker'], { env: cliEnv(env), detached: true });
    await npm.waitForOutput(/worker started/);
    npm.child.kill('SIGTERM');
    await npm.waitForOutput(/"msg":"stopped"/);
    expect(npm.output()).toMatch(/worker stopped/);
    const after = await finished(pressroom(['migrate'], env));
    expect(after).toMatchObject({ code: 0, stdout: 'migrations applied\n' });
  });
});
