// The print pipeline through GraphQL: queries for the dashboard, bad input as typed errors that
// change nothing, the destructive clear-all's guards, lane pause and the recovery mutations' audit.
import { beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../src/services/engine/apiKeys.ts';
import { listHistory } from '../src/services/engine/history.ts';
import { updateSettings } from '../src/services/engine/runtimeSettings.ts';
import { CLEAR_ALL_CONFIRMATION } from '../src/services/print/clearAllExportTables.ts';
import { submitDocuments } from '../src/services/print/documents.ts';
import { useTestDatabase } from './support/db.ts';
import { useLocalApi } from './support/localApi.ts';
import { documents } from './support/print.ts';
import { printReadQueries, seedPrintReads } from './support/printAuthCases.ts';

const db = useTestDatabase();
const { server } = useLocalApi(db);
const keys: Record<'admin' | 'operator' | 'viewer', string> = { admin: '', operator: '', viewer: '' };

beforeAll(async () => {
  for (const role of ['admin', 'operator', 'viewer'] as const) {
    keys[role] = (await createApiKey(db().services, { name: `print-${role}`, role }, { actor: 'test' })).key;
  }
});

async function gql(as: keyof typeof keys, document: string, variables: Record<string, unknown> = {}) {
  const response = await fetch(server().url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json', authorization: `Bearer ${keys[as]}` },
    body: JSON.stringify({ query: document, variables }),
  });
  const body = (await response.json()) as { data?: any; errors?: { message: string }[] };
  expect(body.errors).toBeUndefined();
  return body.data;
}

const SNAPSHOT = /* GraphQL */ `query {
  printLanes { lane paused counts { queued processing exported failedExport cancelled } }
  printScans(first: 50) { edges { node { id status } } }
  printScanScopes { name }
  printDocuments(first: 200) { edges { node { key } } }
}`;

describe('print API', () => {
  it('refuses bad input with typed errors and changes nothing', async () => {
    await submitDocuments(db().services, documents('api', 3), { actor: 'test' });
    const before = await gql('viewer', SNAPSHOT);
    const historyBefore = (await listHistory(db().services.db, {}, { first: 1 })).entries[0]!.id;

    const lane = await gql('operator', `mutation { pausePrintLane(lane: "express", reason: "x") { __typename ... on InvalidInputError { issues { path message } } } }`);
    expect(lane.pausePrintLane).toMatchObject({ __typename: 'InvalidInputError', issues: [{ path: 'lane', message: expect.stringMatching(/unknown lane/) }] });

    const empty = await gql('operator', `mutation { createPrintScanScope(name: "everything", input: { lane: "historical" }) { __typename ... on InvalidInputError { issues { path message } } } }`);
    expect(empty.createPrintScanScope).toMatchObject({ __typename: 'InvalidInputError', issues: [{ message: expect.stringMatching(/empty scope/) }] });

    const badLaneScope = await gql('operator', `mutation { createPrintScanScope(name: "s", input: { lane: "express", customer: "acme" }) { __typename ... on InvalidInputError { issues { path } } } }`);
    expect(badLaneScope.createPrintScanScope).toMatchObject({ __typename: 'InvalidInputError', issues: [{ path: 'lane' }] });

    // Over the document limit (1 MiB) is over the API's request limit too: refused whole, with a clear error.
    const response = await fetch(server().url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${keys.operator}` },
      body: JSON.stringify({
        query: `mutation($docs: [PrintDocumentInput!]!) { submitDocuments(documents: $docs) { __typename } }`,
        variables: { docs: [{ key: 'big-1', type: 'invoice', customer: 'acme', content: 'x'.repeat(1024 * 1024 + 1) }] },
      }),
    });
    expect(((await response.json()) as { errors: { extensions: { code: string } }[] }).errors[0]!.extensions.code).toBe('REQUEST_ENTITY_TOO_LARGE');

    const twice = await gql('operator', `mutation($docs: [PrintDocumentInput!]!) { submitDocuments(documents: $docs) { __typename ... on InvalidInputError { issues { path message } } } }`, {
      docs: [{ key: 'dup-1', type: 'invoice', customer: 'acme', content: 'a' }, { key: 'dup-1', type: 'invoice', customer: 'acme', content: 'b' }],
    });
    expect(twice.submitDocuments).toMatchObject({ __typename: 'InvalidInputError', issues: [{ path: '1.key', message: expect.stringMatching(/twice/) }] });

    const noContent = await gql('operator', `mutation { submitDocuments(documents: [{ key: "n-1", type: "invoice", customer: "acme" }]) { __typename ... on InvalidInputError { issues { path message } } } }`);
    expect(noContent.submitDocuments).toMatchObject({ __typename: 'InvalidInputError' });

    const cancelMissing = await gql('operator', `mutation { cancelPrintScan(id: "99999", reason: "x") { __typename ... on NotFoundError { targetType } } }`);
    expect(cancelMissing.cancelPrintScan).toEqual({ __typename: 'NotFoundError', targetType: 'printScan' });

    expect(await gql('viewer', SNAPSHOT)).toEqual(before);
    expect((await listHistory(db().services.db, {}, { first: 1 })).entries[0]!.id).toBe(historyBefore);
  });

  it('reports a key submitted again as existing, never as a duplicate', async () => {
    const submit = `mutation($docs: [PrintDocumentInput!]!) { submitDocuments(documents: $docs, reason: "import") { __typename ... on SubmitDocumentsResult { createdCount existingKeys } } }`;
    const docs = [{ key: 'again-1', type: 'label', customer: 'zen', content: 'one' }];
    expect((await gql('operator', submit, { docs })).submitDocuments).toEqual({ __typename: 'SubmitDocumentsResult', createdCount: 1, existingKeys: [] });
    expect((await gql('operator', submit, { docs: [...docs, { key: 'again-2', type: 'label', customer: 'zen', content: 'two' }] })).submitDocuments).toEqual({
      __typename: 'SubmitDocumentsResult',
      createdCount: 1,
      existingKeys: ['again-1'],
    });
    const found = await gql('viewer', `{ printDocuments(filter: { keyPrefix: "again-" }) { edges { node { key customer } } } }`);
    expect(found.printDocuments.edges.map((e: any) => e.node.key)).toEqual(['again-2', 'again-1']);
  });

  it('refuses clear-all to an operator, without the confirmation, and in production mode; an admin clears and it is audited', async () => {
    const clear = (confirmation: string) =>
      `mutation { clearAllExportTables(confirmation: "${confirmation}", reason: "reset test data") { __typename ... on Error { message } ... on ClearAllExportTablesReport { scans rows dedupeMarkers } } }`;
    expect((await gql('operator', clear(CLEAR_ALL_CONFIRMATION))).clearAllExportTables.__typename).toBe('ForbiddenError');
    expect((await gql('admin', clear('yes'))).clearAllExportTables).toMatchObject({ __typename: 'InvalidInputError', message: expect.stringMatching(/confirm/) });
    await updateSettings(db().services, { productionMode: true }, { actor: 'test' });
    expect((await gql('admin', clear(CLEAR_ALL_CONFIRMATION))).clearAllExportTables).toMatchObject({ __typename: 'ForbiddenError', message: expect.stringMatching(/production mode/) });
    await updateSettings(db().services, { productionMode: false }, { actor: 'test' });
    const nodeEnv = process.env.NODE_ENV;
    process.env.NODE_ENV = 'production';
    try {
      expect((await gql('admin', clear(CLEAR_ALL_CONFIRMATION))).clearAllExportTables).toMatchObject({ __typename: 'ForbiddenError', message: expect.stringMatching(/NODE_ENV=production/) });
    } finally {
      process.env.NODE_ENV = nodeEnv;
    }
    expect((await gql('admin', clear(CLEAR_ALL_CONFIRMATION))).clearAllExportTables).toMatchObject({ __typename: 'ClearAllExportTablesReport' });
    const [entry] = (await listHistory(db().services.db, { operation: 'clearAllExportTables' }, { first: 5 })).entries;
    expect(entry).toMatchObject({ actor: 'print-admin', reason: 'reset test data' });
  });

  it('lets no job but a print cycle hold the print governor or wait as its pending run (IsPrinting, PendingPrintCycle)', async () => {
    const governorBefore = await gql('viewer', `{ printGovernor { isPrinting pendingPrintCycle lastPrintScheduleAt } }`);
    const enqueued = await gql(
      'operator',
      `mutation { enqueueJob(input: { kind: "document.process", queue: "print", governorKey: "print", payload: { pages: 1 } }, reason: "x") {
        __typename ... on InvalidInputError { issues { path message } } } }`,
    );
    expect(enqueued.enqueueJob).toEqual({ __typename: 'InvalidInputError', issues: [{ path: 'governorKey', message: expect.stringMatching(/only print\.cycle jobs/) }] });
    const requested = await gql('operator', `mutation { requestGovernorRun(name: "print", kind: "document.process", reason: "x") { __typename ... on InvalidInputError { issues { path } } } }`);
    expect(requested.requestGovernorRun).toEqual({ __typename: 'InvalidInputError', issues: [{ path: 'governorKey' }] });
    expect(await gql('viewer', `{ printGovernor { isPrinting pendingPrintCycle lastPrintScheduleAt } }`)).toEqual(governorBefore);
    expect((await gql('viewer', `{ jobs(filter: { kind: "document.process" }, first: 1) { edges { node { id } } } }`)).jobs.edges).toEqual([]);
  });

  it('pauses and resumes a lane with who and why, and answers the recovery tools with reports', async () => {
    const paused = await gql('operator', `mutation { pausePrintLane(lane: "historical", reason: "paper change") { __typename ... on PrintLane { lane paused pausedBy pausedReason } } }`);
    expect(paused.pausePrintLane).toEqual({ __typename: 'PrintLane', lane: 'historical', paused: true, pausedBy: 'print-operator', pausedReason: 'paper change' });
    const lanes = await gql('viewer', `{ printLanes { lane paused } printGovernor { isPrinting pendingPrintCycle lastPrintScheduleAt currentCycle { id } } }`);
    expect(lanes.printLanes).toEqual([{ lane: 'production', paused: false }, { lane: 'historical', paused: true }]);
    expect(lanes.printGovernor).toMatchObject({ isPrinting: false, pendingPrintCycle: false, currentCycle: null });
    const resumed = await gql('operator', `mutation { resumePrintLane(lane: "historical", reason: "paper in") { __typename ... on PrintLane { paused } } }`);
    expect(resumed.resumePrintLane).toEqual({ __typename: 'PrintLane', paused: false });

    const recovery = await gql(
      'operator',
      `mutation {
        detectStuckPrinter(dryRun: true, reason: "check") { __typename ... on StuckPrinterReport { stuck dryRun reason } }
        healPrintLocks(reason: "check") { __typename ... on PrintLockHealReport { released reason } }
        runPrintMaintenance(dryRun: true, reason: "check") { __typename ... on PrintMaintenanceReport { dryRun findings { kind } purged { scans rows } } }
        requeueExportRows(filter: { lane: "production" }, reason: "nothing failed") { __typename ... on RequeueExportRowsReport { requeued } }
      }`,
    );
    expect(recovery.detectStuckPrinter).toMatchObject({ stuck: false, dryRun: true });
    expect(recovery.healPrintLocks).toMatchObject({ released: false });
    expect(recovery.runPrintMaintenance).toMatchObject({ dryRun: true, purged: { scans: 0, rows: 0 } });
    expect(recovery.requeueExportRows).toEqual({ __typename: 'RequeueExportRowsReport', requeued: 1 - 1 });
    const audit = await listHistory(db().services.db, { actor: 'print-operator', operation: 'requeueExportRows' }, { first: 5 });
    expect(audit.entries[0]).toMatchObject({ reason: 'nothing failed' });
  });

  it('lets an operator, not a viewer, forget what a scan printed; an unknown scan is a typed error', async () => {
    const forget = `mutation { forgetPrintedDocuments(scanId: "424242", documentKeys: ["k-1"], reason: "reprint") { __typename ... on Error { message } } }`;
    expect((await gql('viewer', forget)).forgetPrintedDocuments.__typename).toBe('ForbiddenError');
    expect((await gql('operator', forget)).forgetPrintedDocuments).toEqual({ __typename: 'NotFoundError', message: 'printScan 424242 not found' });
    const noKeys = await gql('operator', `mutation { forgetPrintedDocuments(scanId: "424242", documentKeys: [], reason: "reprint") { __typename ... on InvalidInputError { issues { path } } } }`);
    expect(noKeys.forgetPrintedDocuments).toEqual({ __typename: 'InvalidInputError', issues: [{ path: 'documentKeys' }] });
  });

  it('answers every print query to a viewer, with data', async () => {
    const variables = await seedPrintReads(db().services);
    for (const [field, document] of Object.entries(printReadQueries)) {
      const data = await gql('viewer', document, variables);
      expect(data[field], field).not.toBeNull();
    }
    expect((await gql('viewer', printReadQueries.printDedupe!, variables)).printDedupe).toEqual({ printed: false });
  });
});
