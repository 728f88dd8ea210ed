// The print pipeline's mutations and queries for the API tests' authorisation tables
// (test/api/mutationRoles.test.ts, test/api/readsAndKeys.test.ts): each mutation with the least
// role allowed, the type it returns, and the input a fresh call needs; each query with what it reads.
import type { ServiceContext } from '../../src/services/context.ts';
import { CLEAR_ALL_CONFIRMATION } from '../../src/services/print/clearAllExportTables.ts';
import { submitDocuments } from '../../src/services/print/documents.ts';
import { startScan } from '../../src/services/print/scans.ts';
import { createScanScope } from '../../src/services/print/scopes.ts';

export interface AuthCase {
  name: string;
  minRole: 'operator' | 'admin';
  success: string;
  document: string;
  prepare: () => Promise<Record<string, unknown>>;
}

export function printAuthCases(services: () => ServiceContext, result: (name: string, args: string) => string, unique: (prefix: string) => string): AuthCase[] {
  const by = { actor: 'setup' };
  const scope = async () => (await createScanScope(services(), { name: unique('scope-auth'), lane: 'historical', customer: 'auth' }, by)).name;
  const none = async () => ({});
  const simple = (name: string, success: string, args: string, minRole: AuthCase['minRole'] = 'operator'): AuthCase => ({ name, minRole, success, document: `mutation M { ${result(name, args)} }`, prepare: none });
  /** A mutation on a scan scope made for it; `$name` in `args` is the scope's name. */
  const onScope = (name: string, success: string, args: string): AuthCase => ({ name, minRole: 'operator', success, document: `mutation M($name: String!) { ${result(name, args)} }`, prepare: async () => ({ name: await scope() }) });
  /** A mutation on a scan started for it; `$id` in `args` is the scan's id. */
  const onScan = (name: string, success: string, args: string): AuthCase => ({
    name,
    minRole: 'operator',
    success,
    document: `mutation M($id: ID!) { ${result(name, args)} }`,
    prepare: async () => ({ id: String((await startScan(services(), await scope(), by)).id) }),
  });
  return [
    {
      name: 'submitDocuments',
      minRole: 'operator',
      success: 'SubmitDocumentsResult',
      document: `mutation M($key: String!) { ${result('submitDocuments', 'documents: [{ key: $key, type: "auth", customer: "auth", content: "x" }], reason: "auth"')} }`,
      prepare: async () => ({ key: unique('doc-auth') }),
    },
    {
      name: 'createPrintScanScope',
      minRole: 'operator',
      success: 'PrintScanScope',
      document: `mutation M($name: String!) { ${result('createPrintScanScope', 'name: $name, input: { lane: "historical", customer: "auth" }, reason: "auth"')} }`,
      prepare: async () => ({ name: unique('scope-auth') }),
    },
    onScope('updatePrintScanScope', 'PrintScanScope', 'name: $name, input: { documentType: "invoice" }, reason: "auth"'),
    onScope('deletePrintScanScope', 'PrintScanScope', 'name: $name, reason: "auth"'),
    onScope('startPrintScan', 'PrintScan', 'scope: $name, reason: "auth"'),
    onScan('cancelPrintScan', 'PrintScan', 'id: $id, reason: "auth"'),
    simple('pausePrintLane', 'PrintLane', 'lane: "historical", reason: "auth"'),
    simple('resumePrintLane', 'PrintLane', 'lane: "historical", reason: "auth"'),
    simple('requestPrintCycle', 'PrintCycleRequest', 'reason: "auth"'),
    simple('detectStuckPrinter', 'StuckPrinterReport', 'dryRun: true, reason: "auth"'),
    simple('healPrintLocks', 'PrintLockHealReport', 'reason: "auth"'),
    simple('runPrintMaintenance', 'PrintMaintenanceReport', 'dryRun: true, reason: "auth"'),
    simple('requeueExportRows', 'RequeueExportRowsReport', 'reason: "auth"'),
    onScan('forgetPrintedDocuments', 'ForgetPrintedDocumentsReport', 'scanId: $id, reason: "auth"'),
    simple('clearAllExportTables', 'ClearAllExportTablesReport', `confirmation: "${CLEAR_ALL_CONFIRMATION}", reason: "auth"`, 'admin'),
  ];
}

/** The print pipeline's queries for the API test's read table; their variables come from seedPrintReads. */
export const printReadQueries: Record<string, string> = {
  printDocuments: '{ printDocuments(first: 1) { edges { node { key } } } }',
  printDocument: 'query Q($documentKey: String!) { printDocument(key: $documentKey) { key } }',
  printScanScopes: '{ printScanScopes { name } }',
  printScans: '{ printScans(first: 1) { edges { node { id status } } } }',
  printScan: 'query Q($scanId: ID!) { printScan(id: $scanId) { id counts { rows { status count } } } }',
  printSlices: 'query Q($scanId: ID!) { printSlices(scanId: $scanId, first: 1) { edges { node { id } } } }',
  printBatches: 'query Q($scanId: ID!) { printBatches(scanId: $scanId, first: 1) { edges { node { id } } } }',
  printExportRows: '{ printExportRows(first: 1) { edges { node { id } } } }',
  printLanes: '{ printLanes { lane counts { queued } } }',
  printGovernor: '{ printGovernor { isPrinting pendingPrintCycle } }',
  printDedupe: 'query Q($documentKey: String!) { printDedupe(documentKey: $documentKey) { printed } }',
};

/** A document and a scan of it to read. */
export async function seedPrintReads(services: ServiceContext): Promise<{ documentKey: string; scanId: string }> {
  const by = { actor: 'setup' };
  const documentKey = `read-${Date.now()}`;
  await submitDocuments(services, [{ key: documentKey, type: 'read', customer: documentKey, content: 'x' }], by);
  const scope = await createScanScope(services, { name: documentKey, lane: 'historical', customer: documentKey }, by);
  return { documentKey, scanId: String((await startScan(services, scope.name, by)).id) };
}
