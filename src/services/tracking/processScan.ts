// One scan's effects (seed 001 §2.2): the code is a runlist id (every production job of every
// imposition of the runlist) or `<job id>_<version tag>` (its runlist when one is found, else
// the production job alone). Each operation of the scan maps through the catalogue; job and
// imposition operations are completed by the scanner at the scan's time.
import type { Json } from '../engine/types.ts';
import type { OperationResult } from './conflicts.ts';
import { parseJobCode } from './fileId.ts';
import type { RecordEffect } from './recordEffect.ts';
import type { Found, ReferenceLookups } from './references.ts';

export interface ScanRecord {
  id: number;
  codeText: string;
  scannedAt: Date;
  machineId: string | null;
  userId: string | null;
  operations: Json;
}

interface ScanTarget {
  /** The runlist reached: its impositions' operations are completed too. */
  runlistId: string | null;
  jobIds: string[];
}

/** Plans one scan; the batch's scan codes were loaded into `lookups` (loadScanCodes). */
async function planScan(lookups: ReferenceLookups, scan: ScanRecord): Promise<RecordEffect> {
  const names = operationNames(scan.operations);
  if (!names.ok) return { rejected: names.reason };
  const operations = await lookups.catalogueOperations(names.value);
  if (!operations.ok) return { rejected: operations.reason };
  const target = await scanTarget(lookups, scan.codeText.trim());
  if (!target.ok) return { rejected: target.reason };
  const { runlistId, jobIds } = target.value;
  const by = [scan.machineId && `on ${scan.machineId}`, scan.userId && `by ${scan.userId}`].filter(Boolean).join(' ');
  const notes = `scanned${by ? ` ${by}` : ''}${runlistId ? ` (runlist ${runlistId})` : ''}`;
  const base = { status: 'completed' as const, notes, eventAt: scan.scannedAt, source: 'scanner' as const, sourceId: scan.id };
  const forEach = (targets: string[]): OperationResult[] =>
    targets.flatMap((t) => operations.value.map((op) => ({ ...base, target: t, operationId: op.operationId })));
  const runlistResults = runlistId ? forEach([runlistId]) : [];
  const jobResults = forEach(jobIds);
  return {
    keys: { imposition: [], job: jobResults },
    apply(state) {
      state.applyRunlistResults(runlistResults);
      return state.applyJobResults(jobResults);
    },
  };
}

async function scanTarget(lookups: ReferenceLookups, code: string): Promise<Found<ScanTarget>> {
  const runlist = await runlistTarget(lookups, code);
  if (runlist) return runlist;
  const parsed = parseJobCode(code);
  if (!parsed) return { ok: false, reason: `code ${code} is neither a known runlist nor <job id>_<version tag>` };
  const job = await lookups.productionJob(parsed.jobId);
  if (!job.ok) return job;
  const { versionTag, runlistId } = job.value;
  if (versionTag !== null && versionTag !== parsed.versionTag) {
    return { ok: false, reason: `code ${code} names version ${parsed.versionTag}, production job ${parsed.jobId} is at version ${versionTag}` };
  }
  if (runlistId) return (await runlistTarget(lookups, runlistId))!;
  return { ok: true, value: { runlistId: null, jobIds: [parsed.jobId] } };
}

async function runlistTarget(lookups: ReferenceLookups, runlistId: string): Promise<Found<ScanTarget> | null> {
  const jobs = await lookups.runlist(runlistId);
  if (!jobs) return null;
  return jobs.ok ? { ok: true, value: { runlistId, jobIds: jobs.value } } : jobs;
}

/**
 * The operation names a scan reports: `["coating", "kiss_cut"]`, `{"coating": true, "kiss_cut": false}`
 * (the true ones), or `[{"operation": "coating"}]`.
 */
export function operationNames(operations: Json): Found<string[]> {
  const bad = { ok: false as const, reason: 'operations must be a list of names or an object of name: true' };
  let names: string[];
  if (Array.isArray(operations)) {
    const mapped = operations.map((entry) =>
      typeof entry === 'string' ? entry : entry && typeof entry === 'object' && !Array.isArray(entry) && typeof entry.operation === 'string' ? entry.operation : null,
    );
    if (mapped.some((name) => name === null)) return bad;
    names = mapped as string[];
  } else if (operations && typeof operations === 'object') {
    names = Object.entries(operations)
      .filter(([, done]) => done === true)
      .map(([name]) => name);
  } else return bad;
  names = [...new Set(names.map((name) => name.trim()).filter((name) => name !== ''))];
  return names.length > 0 ? { ok: true, value: names } : { ok: false, reason: 'the scan reports no operation' };
}

/** Plans a batch of scans, in order, after reading what their codes name (a few statements for the batch). */
export async function planScanBatch(lookups: ReferenceLookups, scans: ScanRecord[]): Promise<RecordEffect[]> {
  await lookups.loadScanCodes(scans.map((s) => s.codeText.trim()));
  const effects: RecordEffect[] = [];
  for (const scan of scans) effects.push(await planScan(lookups, scan));
  return effects;
}
