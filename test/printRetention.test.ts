// Forgetting what a scan printed (the seed's deleteForScan) and the retention purge of finished
// scan trees (the seed's CleanOldRecords), through the services, the maintenance job and GraphQL,
// with a real worker printing.
import { sql } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import { query } from '../src/db/client.ts';
import { enqueueJob } from '../src/services/engine/jobs/enqueue.ts';
import { getJob } from '../src/services/engine/jobs/read.ts';
import { listHistory } from '../src/services/engine/history.ts';
import { updateSettings } from '../src/services/engine/runtimeSettings.ts';
import { GovernorBusyError, NotFoundError } from '../src/services/errors.ts';
import { submitDocuments } from '../src/services/print/documents.ts';
import { forgetPrintedDocuments } from '../src/services/print/forgetPrintedDocuments.ts';
import { listLaneStates } from '../src/services/print/lanes.ts';
import { MAINTENANCE_KIND } from '../src/services/print/printSchedules.ts';
import { purgeFinishedScans } from '../src/services/print/purgeFinishedScans.ts';
import { findDedupeMarker, listExportRows } from '../src/services/print/reads.ts';
import { cancelScan, startScan } from '../src/services/print/scans.ts';
import { createScanScope } from '../src/services/print/scopes.ts';
import { PRINT_QUEUE } from '../src/services/print/model.ts';
import { useTestDatabase } from './support/db.ts';
import { useLocalApi } from './support/localApi.ts';
import { documents, gatedPrinter, newPrintFolder, printPipelineSettled, printsIn, scanCompleted, scriptedPrinter, usePrintWorkers } from './support/print.ts';
import { waitFor } from './support/wait.ts';

const db = useTestDatabase();
const { gql } = useLocalApi(db);
const by = { actor: 'ada', reason: 'test' };
const startWorker = usePrintWorkers(db);

async function scopeOf(prefix: string, n: number) {
  await submitDocuments(db().services, documents(prefix, n, { customer: prefix }), by);
  await createScanScope(db().services, { name: `scope-${prefix}`, lane: 'historical', customer: prefix }, by);
  return `scope-${prefix}`;
}

const scanFinished = (id: number) => scanCompleted(db().services.db, id);

/** Sets a scan's finish time `days` back: what the days of a retention do. */
const finishedDaysAgo = (scanId: number, days: number) =>
  query(db().services.db, sql`update print_scans set finished_at = now() - ${days} * interval '1 day' where id = ${scanId}`);

const treeCount = async (scanId: number) => {
  const [row] = await query<{ scans: number; slices: number; batches: number; rows: number }>(
    db().services.db,
    sql`select (select count(*)::int from print_scans where id = ${scanId}) as scans, (select count(*)::int from print_slices where scan_id = ${scanId}) as slices,
               (select count(*)::int from print_batches where scan_id = ${scanId}) as batches, (select count(*)::int from print_export_rows where scan_id = ${scanId}) as rows`,
  );
  return row!;
};

describe('forgetting printed documents (deleteForScan)', () => {
  it("deletes a scan's markers, by key or all, audited; a later scan prints those documents again", async () => {
    const { services } = db();
    const folder = await newPrintFolder();
    await startWorker(scriptedPrinter(folder));
    const scope = await scopeOf('again', 4);
    const first = await startScan(services, scope, by);
    await scanFinished(first.id);
    expect((await printsIn(folder)).sort()).toEqual(['again-1', 'again-2', 'again-3', 'again-4']);

    await expect(forgetPrintedDocuments(services, { scanId: 99_999 }, by)).rejects.toBeInstanceOf(NotFoundError);
    await expect(forgetPrintedDocuments(services, { scanId: first.id }, { actor: 'ada', reason: ' ' })).rejects.toThrow(/reason/);
    const some = await forgetPrintedDocuments(services, { scanId: first.id, documentKeys: ['again-2', 'again-9'] }, { actor: 'ada', reason: 'customer lost the paper copy' });
    expect(some).toEqual({ scanId: first.id, markersDeleted: 1, keysWithoutMarker: ['again-9'] });
    expect(await findDedupeMarker(services.db, 'again-2')).toBeNull();
    expect(await findDedupeMarker(services.db, 'again-1')).toMatchObject({ scanId: first.id });
    const [entry] = (await listHistory(services.db, { operation: 'forgetPrintedDocuments' }, { first: 1 })).entries;
    expect(entry).toMatchObject({ actor: 'ada', targetType: 'printScan', targetId: String(first.id), reason: 'customer lost the paper copy', after: expect.objectContaining({ markersDeleted: 1, documentKeys: ['again-2'] }) });
    // The scan and its rows are as they were.
    expect((await listExportRows(services.db, { scanId: first.id }, { first: 10, after: null })).map((row) => row.status)).toEqual(Array(4).fill('exported'));

    const second = await startScan(services, scope, by);
    expect((await scanFinished(second.id)).documentsTotal).toBe(1);
    expect((await printsIn(folder)).filter((key) => key === 'again-2')).toHaveLength(2);
    expect(await findDedupeMarker(services.db, 'again-2')).toMatchObject({ scanId: second.id });

    // Through GraphQL, every marker the first scan still has (again-2's is the second scan's now).
    const all = await gql(`mutation($id: ID!) { forgetPrintedDocuments(scanId: $id, reason: "reprint the run") {
      __typename ... on ForgetPrintedDocumentsReport { scanId markersDeleted keysWithoutMarker } } }`, { id: String(first.id) });
    expect(all.forgetPrintedDocuments).toEqual({ __typename: 'ForgetPrintedDocumentsReport', scanId: String(first.id), markersDeleted: 3, keysWithoutMarker: [] });
    expect(await findDedupeMarker(services.db, 'again-2')).toMatchObject({ scanId: second.id });
    const unknown = await gql(`mutation { forgetPrintedDocuments(scanId: "99999", reason: "x") { __typename ... on NotFoundError { targetType targetId } } }`);
    expect(unknown.forgetPrintedDocuments).toEqual({ __typename: 'NotFoundError', targetType: 'printScan', targetId: '99999' });
  });

  it('is refused while a print cycle holds rows of the scan, and changes nothing', async () => {
    const { services } = db();
    const folder = await newPrintFolder();
    const gate = gatedPrinter(folder);
    await startWorker(gate.printer);
    const scope = await scopeOf('held', 3);
    const scan = await startScan(services, scope, by);
    await waitFor(async () => (await listExportRows(services.db, { scanId: scan.id, status: ['processing'] }, { first: 1, after: null })).length > 0, { what: 'rows of the scan held by a cycle' });
    const before = (await listHistory(services.db, {}, { first: 1 })).entries[0]!.id;
    await expect(forgetPrintedDocuments(services, { scanId: scan.id }, by)).rejects.toBeInstanceOf(GovernorBusyError);
    const refused = await gql(`mutation($id: ID!) { forgetPrintedDocuments(scanId: $id, reason: "x") { __typename ... on GovernorBusyError { governor holder } } }`, { id: String(scan.id) });
    expect(refused.forgetPrintedDocuments).toEqual({ __typename: 'GovernorBusyError', governor: 'print', holder: expect.stringMatching(new RegExp(`holds rows of scan ${scan.id}`)) });
    gate.open();
    await scanFinished(scan.id);
    expect(await forgetPrintedDocuments(services, { scanId: scan.id }, by)).toMatchObject({ markersDeleted: 3 });
    // Nothing was recorded for the refused calls: the next entry is the forget that went through.
    const entries = (await listHistory(services.db, { operation: 'forgetPrintedDocuments' }, { first: 10 })).entries.filter((e) => e.id > before);
    expect(entries).toHaveLength(1);
  });
});

describe('retention purge of finished scan trees (CleanOldRecords)', () => {
  it('the maintenance job purges whole finished trees past retentionPrintScansDays, keeps the dedupe markers, and records the counts', async () => {
    const { services } = db();
    await updateSettings(services, { retentionPrintScansDays: 7, printSliceSize: 2, printBatchSize: 1 }, by);
    const folder = await newPrintFolder();
    await startWorker(scriptedPrinter(folder));
    const old = await startScan(services, await scopeOf('old', 3), by);
    const recent = await startScan(services, await scopeOf('recent', 2), by);
    await scanFinished(old.id);
    await scanFinished(recent.id);
    await finishedDaysAgo(old.id, 8);
    await finishedDaysAgo(recent.id, 6);
    const exportedBefore = (await listLaneStates(services.db)).find((lane) => lane.lane === 'historical')!.counts.exported;

    // A dry run counts and deletes nothing.
    const dry = await gql(`mutation { runPrintMaintenance(dryRun: true, reason: "how much would go") { ... on PrintMaintenanceReport { dryRun purged { scans slices batches rows } } } }`);
    expect(dry.runPrintMaintenance).toEqual({ dryRun: true, purged: { scans: 1, slices: 2, batches: 3, rows: 3 } });
    expect(await treeCount(old.id)).toEqual({ scans: 1, slices: 2, batches: 3, rows: 3 });

    const { job } = await enqueueJob(services, { kind: MAINTENANCE_KIND, queue: PRINT_QUEUE, payload: {} }, by);
    const ran = await waitFor(async () => {
      const current = await getJob(services.db, job.id);
      return current.status === 'completed' && current;
    }, { what: 'the maintenance job completed' });
    expect(ran.result).toMatchObject({ purged: { scans: 1, slices: 2, batches: 3, rows: 3 } });
    expect(await treeCount(old.id)).toEqual({ scans: 0, slices: 0, batches: 0, rows: 0 });
    expect(await treeCount(recent.id)).toMatchObject({ scans: 1, rows: 2 });
    expect((await listLaneStates(services.db)).find((lane) => lane.lane === 'historical')!.counts.exported).toBe(exportedBefore - 3);
    // The markers stay: the documents are not printable again, and a new scan of the scope finds nothing.
    expect(await findDedupeMarker(services.db, 'old-1')).toMatchObject({ scanId: old.id });
    const rescan = await startScan(services, 'scope-old', by);
    expect((await scanFinished(rescan.id)).documentsTotal).toBe(0);
    expect((await printsIn(folder)).filter((key) => key.startsWith('old-'))).toHaveLength(3);
    const [entry] = (await listHistory(services.db, { targetType: 'printPipeline', operation: 'purge' }, { first: 1 })).entries;
    expect(entry).toMatchObject({ actor: 'print-maintenance', targetId: 'retention', after: { deleted: { scans: 1, slices: 2, batches: 3, rows: 3 }, retentionPrintScansDays: 7 } });
    // Forgetting the markers of a purged scan still works: they are its markers.
    expect(await forgetPrintedDocuments(services, { scanId: old.id, documentKeys: ['old-1'] }, by)).toMatchObject({ markersDeleted: 1 });
  });

  it('never purges a scan that still has rows to print: a cancelled scan whose cycle holds rows waits for them', async () => {
    const { services } = db();
    await updateSettings(services, { retentionPrintScansDays: 1 }, by);
    const folder = await newPrintFolder();
    const gate = gatedPrinter(folder);
    await startWorker(gate.printer);
    const scan = await startScan(services, await scopeOf('busy', 2), by);
    await waitFor(async () => (await listExportRows(services.db, { scanId: scan.id, status: ['processing'] }, { first: 1, after: null })).length > 0, { what: 'rows of the scan held by a cycle' });
    await cancelScan(services, scan.id, by);
    await finishedDaysAgo(scan.id, 2);
    await purgeFinishedScans(services, by);
    expect(await treeCount(scan.id)).toMatchObject({ scans: 1, rows: 2 });
    gate.open();
    await waitFor(async () => (await listExportRows(services.db, { scanId: scan.id, status: ['processing', 'queued'] }, { first: 1, after: null })).length === 0, { what: 'the held rows done' });
    await waitFor(() => printPipelineSettled(services.db), { what: 'the print pipeline settled' });
    expect((await purgeFinishedScans(services, by)).scans).toBeGreaterThanOrEqual(1);
    expect(await treeCount(scan.id)).toEqual({ scans: 0, slices: 0, batches: 0, rows: 0 });
  });
});
