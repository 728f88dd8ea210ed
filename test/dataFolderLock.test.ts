// The embedded database is one process per data folder: a second `pressroom` process on a folder
// in use is refused with a message a user can act on, and touches nothing. Runs in both modes: the
// processes here always use the embedded database, in a folder of their own.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { openDatabase, query } from '../src/db/client.ts';
import { newFolder, pressroom, STACK_FRAME, useCliProcesses } from './support/cli.ts';

useCliProcesses();

// Several processes each, from the sources: on a busy shared machine a minute is not much.
describe('the embedded data folder', { timeout: 240_000 }, () => {
  it('refuses a second process on a folder held by a process without an API, with a clear message, and the refused process changes nothing', async () => {
    const dataDir = path.join(await newFolder(), 'data');
    const env = { PRESSROOM_DATA_DIR: dataDir };
    // A worker serves no API the CLI could go through (beside `start` or `serve` it does: test/cli.test.ts).
    const server = pressroom(['worker'], env);
    await server.waitForOutput(/worker started/);

    const refused = [pressroom(['enqueue', 'test.noop', '--reason', 'refused'], env), pressroom(['migrate'], env), pressroom(['serve'], { ...env, PRESSROOM_PORT: '0' })];
    for (const cli of refused) {
      expect(await cli.exited).toBe(1);
      expect(cli.output()).toContain('in use by another Pressroom process');
      expect(cli.output()).toContain(path.resolve(dataDir));
      expect(cli.output()).toContain(`pid ${server.child.pid}`);
      expect(cli.output()).not.toMatch(STACK_FRAME);
      expect(cli.output()).not.toMatch(/"job"/);
    }
    // The process holding the folder never noticed.
    expect(server.child.exitCode).toBeNull();
    expect(server.output()).not.toMatch(/lost the lock/);

    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    expect(server.output()).toMatch(/worker stopped/);

    // The folder is free again, and holds nothing from the refused processes.
    const database = await openDatabase({ dataDir });
    try {
      // The process that held it left its trace: it is the same database.
      const workerHistory = await query<{ operation: string }>(database.db, sql`select operation from history where target_type = 'worker' order by id`);
      expect(workerHistory.map((h) => h.operation)).toEqual(['register', 'stopping', 'deregister']);
      // (The refused process would have registered a worker of its own; jobs here are the first process's demos.)
    } finally {
      await database.close();
    }
  }, 400_000);

  it.each([
    { variable: 'PRESSROOM_WORKER_CONCURRENCY', value: 'abc', expected: /PRESSROOM_WORKER_CONCURRENCY: expected a whole number/ },
    { variable: 'DATABASE_URL', value: 'mysql://x', expected: /DATABASE_URL: expected a URL starting with postgres:\/\// },
  ])('stops `pressroom migrate` on a bad $variable, naming it, before touching anything', async ({ variable, value, expected }) => {
    const dataDir = path.join(await newFolder(), 'data');
    const cli = pressroom(['migrate'], { PRESSROOM_DATA_DIR: dataDir, [variable]: value });
    expect(await cli.exited).toBe(1);
    expect(cli.output()).toMatch(/invalid configuration/);
    expect(cli.output()).toMatch(expected);
    expect(cli.output()).not.toMatch(STACK_FRAME);
    expect(existsSync(dataDir)).toBe(false);
  });
});

describe('after a crash', () => {
  it('a Pressroom killed with SIGKILL restarts at once on its folder: the dead process\'s lock is taken over, its data kept', async () => {
    const dataDir = path.join(await newFolder(), 'data');
    const env = { PRESSROOM_DATA_DIR: dataDir, PRESSROOM_PORT: '0' };
    const first = pressroom(['start', '--no-demo'], env);
    await first.waitForOutput(/worker started/);
    // Refused while the first process lives: the lock is not taken from a live process. (A CLI
    // command would go through its API instead: test/cli.test.ts.)
    const refused = pressroom(['serve'], env);
    expect(await refused.exited).toBe(1);
    expect(refused.output()).toContain('in use by another Pressroom process');

    first.child.kill('SIGKILL');
    expect(await first.exited).toBeNull();
    // Without the takeover this start would be refused at once (exit 1), the lock not yet 15 s stale.
    const restarted = Date.now();
    const second = pressroom(['start', '--no-demo'], env);
    await second.waitForOutput(/worker started/);
    console.info(`restarted on the folder ${Date.now() - restarted} ms after SIGKILL`);
    expect(second.output()).not.toContain('in use by another Pressroom process');
    expect(second.output()).not.toMatch(STACK_FRAME);
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);

    const database = await openDatabase({ dataDir });
    try {
      const workers = await query<{ pid: number }>(database.db, sql`select pid from workers order by started_at`);
      expect(workers.map((w) => Number(w.pid))).toEqual([first.child.pid, second.child.pid]);
    } finally {
      await database.close();
    }
  }, 400_000);
});
