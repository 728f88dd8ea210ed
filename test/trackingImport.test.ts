// `pressroom tracking import <file>`: CSV (the header names the section) or JSON, idempotent.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { sql } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase, query } from '../src/db/client.ts';
import { InvalidInputError } from '../src/services/errors.ts';
import { readReferenceFile, referenceChunks } from '../src/services/tracking/referenceFile.ts';
import { useTestDatabase } from './support/db.ts';

const run = promisify(execFile);
const db = useTestDatabase();
let folder: string | undefined;

afterAll(async () => {
  if (folder) await rm(folder, { recursive: true, force: true });
});

describe('reference files', () => {
  it('reads each CSV section by its header', () => {
    expect(readReferenceFile('a.csv', 'job_id,version_tag,name,due_date\n4604_5889,v1,Labels,2026-12-01\n')).toEqual({
      productionJobs: [{ jobId: '4604_5889', versionTag: 'v1', name: 'Labels', dueDate: '2026-12-01' }],
    });
    expect(readReferenceFile('b.csv', 'operation_id,name,sequence_order,required\nop003,coating,3,yes\n')).toEqual({
      operations: [{ operationId: 'op003', name: 'coating', sequenceOrder: 3, required: true }],
    });
    expect(readReferenceFile('c.csv', 'imposition_id,file_id\nI1,FILE_1_Labex_4604_5889_80\nI1,FILE_1_Labex_4604_5890_81\n')).toEqual({
      impositions: [{ impositionId: 'I1', fileIds: ['FILE_1_Labex_4604_5889_80', 'FILE_1_Labex_4604_5890_81'] }],
    });
    expect(readReferenceFile('d.csv', 'runlist_id,imposition_id\nR1,I1\nR1,I2\n')).toEqual({ runlists: [{ runlistId: 'R1', impositionIds: ['I1', 'I2'] }] });
    expect(() => readReferenceFile('e.csv', 'colour,size\nred,3\n')).toThrow(InvalidInputError);
  });

  it('cuts big sections into bounded upserts, catalogue first', () => {
    const chunks = referenceChunks({
      runlists: [{ runlistId: 'R', impositionIds: ['I'] }],
      productionJobs: Array.from({ length: 2_500 }, (_, n) => ({ jobId: `1_${n}` })),
    });
    expect(chunks.map((c) => [c.section, c.rows])).toEqual([
      ['productionJobs', 1_000],
      ['productionJobs', 1_000],
      ['productionJobs', 500],
      ['runlists', 1],
    ]);
  });
});

describe('pressroom tracking import', () => {
  it('loads a CSV and a JSON file, and loading them again changes nothing', { timeout: 300_000 }, async () => {
    folder = await mkdtemp(path.join(tmpdir(), 'pressroom-import-'));
    const csv = path.join(folder, 'files.csv');
    await writeFile(csv, ['imposition_id,file_id', ...Array.from({ length: 30 }, (_, n) => `IMP-${n % 3},FILE_1_Labex_7000_${n}_1`)].join('\n'));
    const json = path.join(folder, 'jobs.json');
    await writeFile(json, JSON.stringify({ productionJobs: Array.from({ length: 30 }, (_, n) => ({ jobId: `7000_${n}`, versionTag: 'v1' })), runlists: [{ runlistId: 'RL-7', impositionIds: ['IMP-0', 'IMP-1'] }] }));
    const env = db().url ? { DATABASE_URL: db().url! } : { PRESSROOM_DATA_DIR: path.join(folder, 'data') };
    const pressroom = (file: string) =>
      run(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'tracking', 'import', file], { env: { ...process.env, ...env, LOG_LEVEL: 'warn' } });
    const counts = async () => {
      const database = db().url ? db().database : await openDatabase({ dataDir: env.PRESSROOM_DATA_DIR });
      try {
        const [row] = await query<Record<string, number>>(
          database.db,
          sql`select (select count(*)::int from production_jobs where job_id like '7000_%') as jobs,
                     (select count(*)::int from imposition_files where job_id like '7000_%') as files,
                     (select count(*)::int from runlist_impositions where runlist_id = 'RL-7') as runlist,
                     (select count(*)::int from history where operation = 'upsertReference') as upserts`,
        );
        return row!;
      } finally {
        if (!db().url) await database.close();
      }
    };
    expect((await pressroom(csv)).stdout).toBe(`imported 3 rows from ${csv}\n`);
    expect((await pressroom(json)).stdout).toBe(`imported 31 rows from ${json}\n`);
    const first = await counts();
    expect(first).toMatchObject({ jobs: 30, files: 30, runlist: 2 });
    await pressroom(csv);
    await pressroom(json);
    expect(await counts()).toEqual({ ...first, upserts: first.upserts! + 3 });
    const bad = await pressroom(path.join(folder, 'missing.csv')).catch((error: { stderr: string; code: number }) => error);
    expect(bad).toMatchObject({ code: 1 });
  });
});
