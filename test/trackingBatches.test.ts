// Production tracking processes a batch of records set-based (a few statements for the batch).
// A batch must come to what processing its records one at a time, in marker order, gives: two
// records on the same operation, a batch mixing good and rejected records, a partial print
// completed within the batch, and a long mixed sequence compared record by record.
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { query } from '../src/db/client.ts';
import { operationsOf, statusUpdatesOf } from '../src/services/tracking/readJobs.ts';
import { listMarkers, listRecords } from '../src/services/tracking/readRecords.ts';
import { recordPrintOsEvents, recordScans, type PrintOsEventInput, type ScanInput } from '../src/services/tracking/ingest.ts';
import { processPending } from '../src/services/tracking/processor.ts';
import { processStatusUpdates } from '../src/services/tracking/runs.ts';
import { useTestDatabase } from './support/db.ts';
import { by, openShop, operation, printed, printEvent, scan, scanned, type Shop } from './support/tracking.ts';

const db = useTestDatabase();
const ctx = () => db().services;
const history = async (jobId: string) => (await statusUpdatesOf(ctx().db, jobId, { first: 50, after: null })).map((u) => [u.operationId, u.status, u.applied]);

describe('a batch of press events', () => {
  it('two events on one imposition in a batch: a late older abort after a print changes nothing and is kept not applied', async () => {
    const shop = await openShop(ctx());
    const [, , c] = shop.jobs;
    const i2 = Object.keys(shop.impositions)[1]!;
    const [outcome] = await printed(ctx(), [printEvent(i2, 'PRINTED', '2026-11-30T10:00:00Z'), printEvent(i2, 'ABORTED', '2026-11-30T09:00:00Z')]);
    expect(outcome).toMatchObject({ processed: 2, rejected: 0 });
    expect(await operation(ctx(), c!, 'print')).toMatchObject({ status: 'completed', completedAt: new Date('2026-11-30T10:00:00Z') });
    expect(await history(c!)).toEqual([
      ['print', 'completed', false],
      ['print', 'completed', true],
    ]);
    const imposition = (await operationsOf(ctx().db, 'imposition', [i2])).get(i2)!.find((o) => o.operationId === 'print');
    expect(imposition).toMatchObject({ status: 'completed', notes: 'printed, 100 copies' });
  });

  it('a partial print becomes full within one batch, each step in the history', async () => {
    const shop = await openShop(ctx());
    const [a] = shop.jobs;
    const [i1, i2] = Object.keys(shop.impositions);
    await printed(ctx(), [printEvent(i1!, 'PRINTED', '2026-11-30T08:00:00Z'), printEvent(i2!, 'ABORTED', '2026-11-30T08:01:00Z'), printEvent(i2!, 'PRINTED', '2026-11-30T08:02:00Z')]);
    expect(await operation(ctx(), a!, 'print')).toMatchObject({ status: 'completed', notes: 'all 2 files printed', completedAt: new Date('2026-11-30T08:02:00Z') });
    const steps = await statusUpdatesOf(ctx().db, a!, { first: 10, after: null });
    expect(steps.map((u) => [u.status, u.notes, u.applied])).toEqual([
      ['completed', 'all 2 files printed', true],
      ['partial', 'partial print: 1 of 2 files printed, 1 aborted', true],
      ['partial', 'partial print: 1 of 2 files printed', true],
    ]);
  });

  it('a batch mixing good and rejected events applies the good ones, keeps each reject with its reason, and moves the marker past all', async () => {
    const shop = await openShop(ctx());
    const [a, b, c] = shop.jobs;
    const [i1, i2] = Object.keys(shop.impositions);
    const [outcome] = await printed(ctx(), [
      printEvent(i1!, 'PRINTED', '2026-11-30T08:00:00Z'),
      printEvent(`NOPE-${shop.runlist}`, 'PRINTED', '2026-11-30T08:00:00Z'),
      printEvent(i2!, 'PRINTED', '2026-11-30T08:01:00Z'),
    ]);
    expect(outcome).toMatchObject({ processed: 2, rejected: 1, jobsUpdated: 3 });
    for (const job of [a, b, c]) expect(await operation(ctx(), job!, 'print')).toMatchObject({ status: 'completed' });
    const [reject] = await listRecords(ctx().db, 'print_os', { state: 'rejected', key: `NOPE-${shop.runlist}` }, { first: 5, after: null });
    expect(reject!.outcome).toMatchObject({ outcome: 'rejected', reason: `unknown imposition NOPE-${shop.runlist}` });
    const marker = (await listMarkers(ctx().db)).find((m) => m.source === 'print_os')!;
    expect(marker).toMatchObject({ waiting: 0, lastProcessedId: outcome!.lastMarker });
    expect(marker.lastProcessedId).toBeGreaterThan(reject!.id);
  });
});

describe('a batch of scans', () => {
  it('two scans of one operation in a batch: the newer wins, an older one after it is kept not applied, an equal time replaces', async () => {
    const shop = await openShop(ctx());
    const lone = shop.loneJob;
    await scanned(ctx(), [
      scan(`${lone}_v1`, ['coating'], '2026-11-30T10:00:00Z', { userId: 'ana' }),
      scan(`${lone}_v1`, ['coating'], '2026-11-30T09:00:00Z', { userId: 'ben' }),
      scan(`${lone}_v1`, ['kiss_cut'], '2026-11-30T10:00:00Z', { userId: 'ana' }),
      scan(`${lone}_v1`, ['kiss_cut'], '2026-11-30T10:00:00Z', { userId: 'carl' }),
    ]);
    expect(await operation(ctx(), lone, 'coating')).toMatchObject({ status: 'completed', notes: 'scanned on coater-2 by ana', completedAt: new Date('2026-11-30T10:00:00Z') });
    expect(await operation(ctx(), lone, 'kiss_cut')).toMatchObject({ notes: 'scanned on coater-2 by carl' });
    expect(await history(lone)).toEqual([
      ['op006', 'completed', true],
      ['op006', 'completed', true],
      ['op003', 'completed', false],
      ['op003', 'completed', true],
    ]);
  });

  it('a batch mixing good and rejected scans; a runlist scan and a job scan of the same runlist in one batch', async () => {
    const shop = await openShop(ctx());
    const [a, b, c] = shop.jobs;
    const [outcome] = await scanned(ctx(), [
      scan(shop.runlist, ['coating'], '2026-11-30T09:00:00Z'),
      scan(`${a}_v1`, ['lamination'], '2026-11-30T09:05:00Z'),
      scan(`${b}_v9`, ['coating'], '2026-11-30T09:05:00Z'),
      scan(`${c}_v1`, ['coating'], '2026-11-30T08:00:00Z', { userId: 'late' }),
    ]);
    expect(outcome).toMatchObject({ processed: 2, rejected: 2, jobsUpdated: 3 });
    for (const job of [a, b, c]) {
      expect(await operation(ctx(), job!, 'coating')).toMatchObject({ status: 'completed', notes: `scanned on coater-2 (runlist ${shop.runlist})` });
      expect(await history(job!)).toEqual([
        ['op003', 'completed', false],
        ['op003', 'completed', true],
      ]);
    }
    const reasons = (await listRecords(ctx().db, 'scanner', { state: 'rejected' }, { first: 2, after: null })).map((r) => r.outcome!.reason);
    expect(reasons).toEqual([`code ${b}_v9 names version v9, production job ${b} is at version v1`, 'unknown operation lamination (not in the operation catalogue)']);
  });
});

describe('a batch is what one record at a time gives', () => {
  it('a long mixed sequence of press events and scans comes to the same operations, history and outcomes either way', { timeout: 120_000 }, async () => {
    const one = await openShop(ctx());
    const all = await openShop(ctx());
    const { events, scans } = sequence();
    // One at a time: each record processed before the next arrives.
    for (const event of events) await printed(ctx(), [event(one)]);
    for (const s of scans) await scanned(ctx(), [s(one)]);
    // All at once: every record waits, then one batch per source.
    await recordPrintOsEvents(ctx(), events.map((event) => event(all)), by);
    await recordScans(ctx(), scans.map((s) => s(all)), by);
    const outcomes = await processStatusUpdates(ctx(), 'both', by);
    expect(outcomes.map((o) => o.processed + o.rejected)).toEqual([events.length, scans.length]);
    const [a, b] = [await snapshot(one), await snapshot(all)];
    expect(b.outcomes.filter(([, outcome]) => outcome === 'rejected').length).toBeGreaterThan(3);
    expect(b.history.filter((row) => row.includes(false)).length).toBeGreaterThan(3);
    expect(b).toEqual(a);
  });
});

describe('both sources at once', () => {
  it('press events and print scans on the same runlist, processed side by side: every record once, the latest event kept everywhere', { timeout: 120_000 }, async () => {
    const shop = await openShop(ctx());
    const [i1, i2] = Object.keys(shop.impositions) as [string, string];
    const at = (second: number) => new Date(Date.parse('2026-11-30T08:00:00Z') + second * 1000).toISOString();
    let latest = { second: -1, by: '' };
    for (let round = 0; round < 4; round++) {
      // Press events at even seconds, scans of the runlist reporting print at odd ones, in no order of time.
      const seconds = Array.from({ length: 30 }, (_, k) => ((round * 30 + k) * 37) % 240);
      await recordPrintOsEvents(ctx(), seconds.map((s, k) => printEvent(k % 2 ? i1 : i2, k % 3 ? 'PRINTED' : 'ABORTED', at(2 * s))), by);
      await recordScans(ctx(), seconds.map((s) => scan(shop.runlist, ['print'], at(2 * s + 1))), by);
      for (const s of seconds) if (2 * s + 1 > latest.second) latest = { second: 2 * s + 1, by: 'scanner' };
      const [press, scanner] = await Promise.all([processPending(ctx(), 'print_os'), processPending(ctx(), 'scanner')]);
      expect([press.processed, scanner.processed]).toEqual([30, 30]);
    }
    const [counts] = await query<{ outcomes: number; again: number }>(
      ctx().db,
      sql`select count(*)::int as outcomes, count(*) filter (where attempts > 1)::int as again from tracking_outcomes o
          where exists (select 1 from scans s where o.source = 'scanner' and s.id = o.record_id and s.code_text = ${shop.runlist})
             or exists (select 1 from print_os_events p where o.source = 'print_os' and p.id = o.record_id and p.imposition_id in (${i1}, ${i2}))`,
    );
    expect(counts).toEqual({ outcomes: 240, again: 0 });
    for (const job of shop.jobs) expect(await operation(ctx(), job, 'print')).toMatchObject({ status: 'completed', completedBy: latest.by, completedAt: new Date(at(latest.second)) });
    for (const [id, ops] of await operationsOf(ctx().db, 'imposition', [i1, i2])) {
      expect(ops.find((o) => o.operationId === 'print'), id).toMatchObject({ status: 'completed', completedBy: latest.by, completedAt: new Date(at(latest.second)) });
    }
  });
});

/** A deterministic mix: ties, late older events, aborts and prints, runlist and job scans, the scanner on print, rejects. */
function sequence() {
  let seed = 12;
  const pick = <T,>(items: T[]): T => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return items[seed % items.length]!;
  };
  const times = ['08:00', '08:10', '08:10', '08:20', '08:30', '07:50'].map((t) => `2026-11-30T${t}:00Z`);
  const events = Array.from({ length: 40 }, () => {
    const [which, status, at] = [pick([0, 0, 1, 1, 2, 3]), pick(['PRINTED', 'PRINTED', 'ABORTED'] as const), pick(times)];
    return (shop: Shop): PrintOsEventInput => {
      const impositions = Object.keys(shop.impositions);
      return printEvent(which === 3 ? `NOPE-${shop.runlist}` : impositions[which]!, status, at);
    };
  });
  const scans = Array.from({ length: 40 }, () => {
    const [code, ops, at, user] = [pick([0, 1, 2, 3, 4]), pick([['coating'], ['kiss_cut', 'coating'], ['print'], ['lamination']]), pick(times), pick(['ana', 'ben'])];
    return (shop: Shop): ScanInput =>
      scan([shop.runlist, `${shop.jobs[0]}_v1`, `${shop.loneJob}_v1`, `${shop.jobs[1]}_v7`, `nothing-${shop.runlist}`][code]!, ops, at, { userId: user });
  });
  return { events, scans };
}

/** Everything processing wrote for a shop, its ids made the shop's own and record ids made positions. */
async function snapshot(shop: Shop) {
  const prefix = shop.runlist.slice('RL-'.length);
  const jobs = [...shop.jobs, shop.loneJob];
  const impositions = Object.keys(shop.impositions);
  const records = await query<{ source: string; id: string; outcome: string; reason: string | null; jobs_updated: number }>(
    ctx().db,
    sql`select o.source, o.record_id as id, o.outcome, o.reason, o.jobs_updated from tracking_outcomes o
        left join print_os_events p on o.source = 'print_os' and p.id = o.record_id
        left join scans s on o.source = 'scanner' and s.id = o.record_id
        where p.imposition_id like ${`%${prefix}%`} or s.code_text like ${`%${prefix}%`}
        order by o.source, o.record_id`,
  );
  const position = new Map(records.map((r, i) => [`${r.source} ${Number(r.id)}`, i]));
  const own = (text: string | null) => text?.replaceAll(prefix, 'shop') ?? null;
  const operations = async (level: 'job' | 'imposition', keys: string[]) =>
    [...(await operationsOf(ctx().db, level, keys)).entries()].flatMap(([key, ops]) =>
      ops.map((o) => [own(key), o.operationId, o.status, o.completedAt?.toISOString(), o.completedBy, position.get(`${o.completedBy} ${o.sourceId}`), own(o.notes)]),
    );
  const history = [];
  for (const job of jobs) {
    for (const u of await statusUpdatesOf(ctx().db, job, { first: 500, after: null })) {
      history.push([own(job), u.operationId, u.status, u.applied, u.eventAt.toISOString(), position.get(`${u.sourceType} ${u.sourceId}`), own(u.notes)]);
    }
  }
  return {
    jobs: await operations('job', jobs),
    impositions: await operations('imposition', impositions),
    history,
    outcomes: records.map((r) => [r.source, r.outcome, own(r.reason), r.jobs_updated]),
  };
}
