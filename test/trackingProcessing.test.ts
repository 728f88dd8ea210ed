// Production tracking (seed 001): printer and scanner records in, operation status per
// production job out — the rules for prints, scans and conflicts, rejects, and reprocessing.
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { query } from '../src/db/client.ts';
import { listAlerts } from '../src/services/engine/alerts.ts';
import { parseFileId } from '../src/services/tracking/fileId.ts';
import { listImpositions, operationsOf, statusUpdatesOf } from '../src/services/tracking/readJobs.ts';
import { listMarkers, listRecords } from '../src/services/tracking/readRecords.ts';
import { upsertTrackingReference } from '../src/services/tracking/referenceData.ts';
import { processStatusUpdates, reprocessRejects, reprocessTracking } from '../src/services/tracking/runs.ts';
import { recordPrintOsEvents } from '../src/services/tracking/ingest.ts';
import { useTestDatabase } from './support/db.ts';
import { by, openShop, operation, printed, printEvent, scan, scanned } from './support/tracking.ts';

const db = useTestDatabase({ trackingRejectAlertThreshold: 1 });
const ctx = () => db().services;

describe('the file id parser', () => {
  it('reads the production job from FILE_<version>_Labex_<job id>_<rest>', () => {
    expect(parseFileId('FILE_1_Labex_4604_5889_80')).toEqual({ ok: true, version: '1', jobId: '4604_5889', rest: '80' });
    expect(parseFileId('FILE_12_Labex_4604_5889_80_back')).toMatchObject({ ok: true, jobId: '4604_5889', rest: '80_back' });
  });

  it.each([
    ['', 'empty'],
    ['DOC_1_Labex_4604_5889_80', 'no FILE_ prefix'],
    ['FILE__Labex_4604_5889_80', 'no version'],
    ['FILE_1_Acme_4604_5889_80', 'no Labex marker'],
    ['FILE_1_Labex_abc_5889_80', 'no job id'],
    ['FILE_1_Labex_4604', 'job id has one part'],
    ['FILE_1_Labex_4604_x_80', 'job id has one part'],
    ['FILE_1_Labex_4604_5889', 'nothing after the job id'],
  ])('names what is wrong with %j: %s', (fileId, problem) => {
    expect(parseFileId(fileId)).toEqual({ ok: false, problem });
  });
});

describe('Print OS events', () => {
  it('marks print done on every production job whose files are all printed, and the impositions printed', async () => {
    const shop = await openShop(ctx());
    const [a, b, c] = shop.jobs;
    const [i1, i2] = Object.keys(shop.impositions);
    const [outcome] = await printed(ctx(), [printEvent(i1!, 'PRINTED', '2026-11-30T08:00:00Z'), printEvent(i2!, 'PRINTED', '2026-11-30T08:10:00Z')]);
    expect(outcome).toMatchObject({ source: 'print_os', processed: 2, rejected: 0 });
    for (const job of [a, b, c]) {
      expect(await operation(ctx(), job!, 'print')).toMatchObject({ status: 'completed', done: true, completedBy: 'print_os' });
    }
    expect((await operation(ctx(), a!, 'print'))!.notes).toBe('all 2 files printed');
    expect((await operation(ctx(), a!, 'print'))!.completedAt).toEqual(new Date('2026-11-30T08:10:00Z'));
    const impositions = await operationsOf(ctx().db, 'imposition', [i1!, i2!]);
    expect(impositions.get(i1!)!.find((o) => o.operationId === 'print')).toMatchObject({ status: 'completed', completedBy: 'print_os' });
  });

  it('keeps a partly printed production job not done, with a note naming how many of how many', async () => {
    const shop = await openShop(ctx());
    const [a, b, c] = shop.jobs;
    const [i1] = Object.keys(shop.impositions);
    await printed(ctx(), [printEvent(i1!, 'PRINTED', '2026-11-30T08:00:00Z')]);
    expect(await operation(ctx(), a!, 'print')).toMatchObject({ status: 'partial', done: false, notes: 'partial print: 1 of 2 files printed' });
    expect(await operation(ctx(), b!, 'print')).toMatchObject({ status: 'completed', done: true });
    expect(await operation(ctx(), c!, 'print')).toMatchObject({ status: null, done: false });
  });

  it('marks an aborted print not done, with an abort note', async () => {
    const shop = await openShop(ctx());
    const [a, , c] = shop.jobs;
    const [i1, i2] = Object.keys(shop.impositions);
    await printed(ctx(), [printEvent(i2!, 'ABORTED', '2026-11-30T08:00:00Z')]);
    expect(await operation(ctx(), c!, 'print')).toMatchObject({ status: 'aborted', done: false, notes: 'print aborted: all 1 files aborted' });
    expect(await operation(ctx(), a!, 'print')).toMatchObject({ status: 'aborted', notes: 'print aborted: 1 of 2 files aborted, none printed' });
    await printed(ctx(), [printEvent(i1!, 'PRINTED', '2026-11-30T08:05:00Z')]);
    expect(await operation(ctx(), a!, 'print')).toMatchObject({ status: 'partial', notes: 'partial print: 1 of 2 files printed, 1 aborted' });
    const history = await statusUpdatesOf(ctx().db, a!, { first: 10, after: null });
    expect(history.map((u) => [u.sourceType, u.status, u.applied])).toEqual([
      ['print_os', 'partial', true],
      ['print_os', 'aborted', true],
    ]);
  });
});

describe('scans', () => {
  it('a runlist scan completes the operations of every production job of every imposition of the runlist', async () => {
    const shop = await openShop(ctx());
    const [outcome] = await scanned(ctx(), [scan(shop.runlist, ['coating'], '2026-11-30T09:00:00Z', { userId: 'maria' })]);
    expect(outcome).toMatchObject({ processed: 1, rejected: 0, jobsUpdated: 3 });
    for (const job of shop.jobs) {
      expect(await operation(ctx(), job, 'coating')).toMatchObject({ status: 'completed', completedBy: 'scanner', notes: `scanned on coater-2 by maria (runlist ${shop.runlist})` });
    }
    expect(await operation(ctx(), shop.loneJob, 'coating')).toMatchObject({ status: null });
    const impositions = await operationsOf(ctx().db, 'imposition', Object.keys(shop.impositions));
    for (const id of Object.keys(shop.impositions).slice(0, 2)) expect(impositions.get(id)!.find((o) => o.name === 'coating')).toMatchObject({ status: 'completed' });
  });

  it('a production job scan goes to its runlist when it has one, else to the production job alone', async () => {
    const shop = await openShop(ctx());
    const [a, b, c] = shop.jobs;
    await scanned(ctx(), [scan(`${a}_v1`, { kiss_cut: true, coating: false }, '2026-11-30T09:00:00Z')]);
    for (const job of [a, b, c]) expect(await operation(ctx(), job!, 'kiss_cut')).toMatchObject({ status: 'completed' });
    expect(await operation(ctx(), a!, 'coating')).toMatchObject({ status: null });
    await scanned(ctx(), [scan(`${shop.loneJob}_v1`, [{ operation: 'op003' }], '2026-11-30T09:00:00Z')]);
    expect(await operation(ctx(), shop.loneJob, 'coating')).toMatchObject({ status: 'completed', notes: 'scanned on coater-2' });
    expect(await operation(ctx(), a!, 'coating')).toMatchObject({ status: null });
  });
});

describe('conflicts', () => {
  it('the most recent event wins; a late older event never overwrites a newer result', async () => {
    const shop = await openShop(ctx());
    const [, , c] = shop.jobs;
    const i2 = Object.keys(shop.impositions)[1]!;
    await printed(ctx(), [printEvent(i2, 'PRINTED', '2026-11-30T10:00:00Z')]);
    // A replayed, older abort arrives late: it is kept in the history, not applied.
    await printed(ctx(), [printEvent(i2, 'ABORTED', '2026-11-30T09:00:00Z')]);
    expect(await operation(ctx(), c!, 'print')).toMatchObject({ status: 'completed', completedAt: new Date('2026-11-30T10:00:00Z') });
    const [imposition] = (await operationsOf(ctx().db, 'imposition', [i2])).get(i2)!.filter((o) => o.operationId === 'print');
    expect(imposition).toMatchObject({ status: 'completed' });
    const history = await statusUpdatesOf(ctx().db, c!, { first: 10, after: null });
    expect(history.map((u) => [u.status, u.applied])).toEqual([
      ['completed', false],
      ['completed', true],
    ]);
    // A newer abort does change it.
    await printed(ctx(), [printEvent(i2, 'ABORTED', '2026-11-30T11:00:00Z')]);
    expect(await operation(ctx(), c!, 'print')).toMatchObject({ status: 'aborted' });
  });

  it('the press wins print and the scanner manual operations when both report at the same time; otherwise the newer wins', async () => {
    const shop = await openShop(ctx());
    const [, , c] = shop.jobs;
    const i2 = Object.keys(shop.impositions)[1]!;
    await printed(ctx(), [printEvent(i2, 'ABORTED', '2026-11-30T10:00:00Z')]);
    // The same instant from the scanner: the press's result for print stays.
    await scanned(ctx(), [scan(`${c}_v1`, ['print'], '2026-11-30T10:00:00Z')]);
    expect(await operation(ctx(), c!, 'print')).toMatchObject({ status: 'aborted', completedBy: 'print_os' });
    // A later scan is the most recent event: it wins.
    await scanned(ctx(), [scan(`${c}_v1`, ['print'], '2026-11-30T10:30:00Z')]);
    expect(await operation(ctx(), c!, 'print')).toMatchObject({ status: 'completed', completedBy: 'scanner' });
    // An older press event does not take it back.
    await printed(ctx(), [printEvent(i2, 'ABORTED', '2026-11-30T10:20:00Z')]);
    expect(await operation(ctx(), c!, 'print')).toMatchObject({ status: 'completed', completedBy: 'scanner' });
  });
});

describe('rejects', () => {
  it('keeps malformed file ids, unknown impositions and unknown operations with their reasons; the marker moves on; fixed, they reprocess', async () => {
    const shop = await openShop(ctx());
    const bad = `IMP-BAD-${shop.runlist}`;
    await upsertTrackingReference(ctx(), { impositions: [{ impositionId: bad, fileIds: ['FILE_1_Labex_4604'] }] }, by);
    const [i1] = Object.keys(shop.impositions);
    await recordPrintOsEvents(ctx(), [printEvent(bad, 'PRINTED', '2026-11-30T08:00:00Z'), printEvent(`NOPE-${shop.runlist}`, 'PRINTED', '2026-11-30T08:00:00Z'), printEvent(i1!, 'PRINTED', '2026-11-30T08:00:00Z')], by);
    const [outcome] = await processStatusUpdates(ctx(), 'print_os', by);
    expect(outcome).toMatchObject({ processed: 1, rejected: 2 });
    const rejects = await listRecords(ctx().db, 'print_os', { state: 'rejected' }, { first: 10, after: null });
    const reasons = rejects.map((r) => r.outcome!.reason);
    expect(reasons).toContain(`unknown imposition NOPE-${shop.runlist}`);
    expect(reasons).toContain(`malformed file id FILE_1_Labex_4604 in imposition ${bad}: job id has one part`);
    const [marker] = (await listMarkers(ctx().db)).filter((m) => m.source === 'print_os');
    expect(marker!.lastProcessedId).toBe(outcome!.lastMarker);
    expect(marker!.waiting).toBe(0);
    expect(marker!.lastProcessedId).toBeGreaterThanOrEqual(Math.max(...rejects.map((r) => r.id)));

    const [scanOutcome] = await scanned(ctx(), [scan(shop.runlist, ['lamination'], '2026-11-30T09:00:00Z')]);
    expect(scanOutcome).toMatchObject({ processed: 0, rejected: 1 });
    const [scanReject] = await listRecords(ctx().db, 'scanner', { state: 'rejected' }, { first: 1, after: null });
    expect(scanReject!.outcome!.reason).toBe('unknown operation lamination (not in the operation catalogue)');

    // Past the threshold (1 here), an alert is open.
    const open = await listAlerts(ctx().db, { open: true, kind: 'tracking.rejects', first: 10 });
    expect(open.alerts.map((a) => a.targetId)).toContain('print_os');

    // The operator adds the operation to the catalogue and reprocesses the scanner's rejects.
    await upsertTrackingReference(ctx(), { operations: [{ operationId: 'op009', name: 'lamination', sequenceOrder: 9 }] }, by);
    expect(await reprocessRejects(ctx(), { source: 'scanner', reasonContains: 'lamination' }, by)).toEqual({ queued: 1 });
    const [again] = await processStatusUpdates(ctx(), 'scanner', by);
    expect(again).toMatchObject({ processed: 1, rejected: 0, jobsUpdated: 3 });
    expect(await operation(ctx(), shop.jobs[0]!, 'lamination')).toMatchObject({ status: 'completed' });
    const [fixed] = await listRecords(ctx().db, 'scanner', {}, { first: 1, after: null });
    expect(fixed!.outcome).toMatchObject({ outcome: 'processed', reason: null, attempts: 2 });
  });

  it('rejects a production job that does not exist and a code that names nothing', async () => {
    await scanned(ctx(), [scan('9999_1_v1', ['coating'], '2026-11-30T09:00:00Z'), scan('hello', ['coating'], '2026-11-30T09:00:00Z')]);
    const rejects = await listRecords(ctx().db, 'scanner', { state: 'rejected', reasonContains: 'coating' }, { first: 5, after: null });
    expect(rejects).toHaveLength(0);
    const recent = await listRecords(ctx().db, 'scanner', { state: 'rejected' }, { first: 2, after: null });
    expect(recent.slice(0, 2).map((r) => r.outcome!.reason)).toEqual([
      'code hello is neither a known runlist nor <job id>_<version tag>',
      'production job 9999_1 does not exist',
    ]);
  });
});

describe('exactly once', () => {
  it('processing twice and a marker reset add no duplicate and change nothing', async () => {
    const shop = await openShop(ctx());
    const [i1, i2] = Object.keys(shop.impositions);
    await printed(ctx(), [printEvent(i1!, 'PRINTED', '2026-11-30T08:00:00Z'), printEvent(i2!, 'ABORTED', '2026-11-30T08:05:00Z')]);
    await scanned(ctx(), [scan(shop.runlist, ['coating'], '2026-11-30T09:00:00Z')]);
    const snapshot = async () => ({
      updates: await query(ctx().db, sql`select source_type, source_id, job_id, operation_id, status, applied from production_status_updates order by id`),
      operations: await query(ctx().db, sql`select job_id, operation_id, status, completed_at, completed_by, source_id, notes from production_job_operations order by job_id, operation_id`),
    });
    const before = await snapshot();
    expect(await processStatusUpdates(ctx(), 'both', by)).toMatchObject([{ processed: 0 }, { processed: 0 }]);
    expect(await reprocessTracking(ctx(), { source: 'print_os', fromMarker: 1 }, by)).toMatchObject({ queued: expect.any(Number) });
    expect(await reprocessTracking(ctx(), { source: 'scanner', fromMarker: 1 }, by)).toMatchObject({ queued: expect.any(Number) });
    const [print, scanner] = await processStatusUpdates(ctx(), 'both', by);
    expect(print!.processed + print!.rejected).toBeGreaterThan(0);
    expect(scanner!.processed + scanner!.rejected).toBeGreaterThan(0);
    expect(await snapshot()).toEqual(before);
  });

  it('processes a record whose transaction committed after a higher id was already processed', async () => {
    const shop = await openShop(ctx());
    const [i1, i2] = Object.keys(shop.impositions);
    const [, b, c] = shop.jobs;
    await commitLowerIdLate(i1!, '2026-11-30T08:00:00Z', async () => {
      await printed(ctx(), [printEvent(i2!, 'PRINTED', '2026-11-30T08:01:00Z')]);
      expect(await operation(ctx(), c!, 'print')).toMatchObject({ status: 'completed' });
      expect(await operation(ctx(), b!, 'print')).toMatchObject({ status: null });
    });
    const [outcome] = await processStatusUpdates(ctx(), 'print_os', by);
    expect(outcome).toMatchObject({ processed: 1 });
    expect(await operation(ctx(), b!, 'print')).toMatchObject({ status: 'completed' });
    expect((await listMarkers(ctx().db)).find((m) => m.source === 'print_os')).toMatchObject({ waiting: 0 });
  });
});

/**
 * Stores a PRINTED event for `impositionId` (listed as waiting, as an ingest does) whose id is
 * taken before `meanwhile` runs and committed after it. On PostgreSQL the insert's transaction
 * stays open on a connection of its own while `meanwhile` records and processes higher ids.
 * PGlite has one connection: there the id is drawn first and the row written after, with it.
 */
async function commitLowerIdLate(impositionId: string, at: string, meanwhile: () => Promise<void>) {
  const store = (id: ReturnType<typeof sql>) => sql`
    with stored as (
      insert into print_os_events (id, device, marker, imposition_id, status, complete_time) overriding system value
      values (${id}, 'press-late', ${Date.now()}, ${impositionId}, 'PRINTED', ${at}::timestamptz) returning id)
    insert into tracking_pending (source, record_id) select 'print_os', id from stored`;
  const nextId = sql`nextval(pg_get_serial_sequence('print_os_events', 'id'))`;
  if (db().database.mode === 'server') {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let stored!: () => void;
    const storedNow = new Promise<void>((resolve) => (stored = resolve));
    const transaction = ctx().db.transaction(async (tx) => {
      await tx.execute(store(nextId));
      stored();
      await gate;
    });
    await storedNow;
    try {
      await meanwhile();
    } finally {
      release();
      await transaction;
    }
    return;
  }
  const [row] = await query<{ id: string }>(ctx().db, sql`select ${nextId} as id`);
  await meanwhile();
  await ctx().db.execute(store(sql`${Number(row!.id)}`));
}
