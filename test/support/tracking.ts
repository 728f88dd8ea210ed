// A small shop for production tracking tests: production jobs, the operation catalogue,
// impositions with their files and runlists, under ids of the test's own (one database per file).
import type { ServiceContext } from '../../src/services/context.ts';
import { processStatusUpdates } from '../../src/services/tracking/runs.ts';
import { recordPrintOsEvents, recordScans, type PrintOsEventInput, type ScanInput } from '../../src/services/tracking/ingest.ts';
import { upsertTrackingReference } from '../../src/services/tracking/referenceData.ts';
import { getProductionJobs, operationsOf } from '../../src/services/tracking/readJobs.ts';

export const by = { actor: 'test' };
let next = 1000;

export interface Shop {
  /** Production job ids, e.g. 1001_1 */
  jobs: string[];
  /** Imposition id → its production jobs' file ids */
  impositions: Record<string, string[]>;
  runlist: string;
  /** A production job of its own, on no runlist */
  loneJob: string;
}

/**
 * Three production jobs: A on impositions I1 and I2 (one file each), B on I1 (two files), C on
 * I2; runlist R holds I1 and I2. A fourth job, alone, has a file on an imposition of no runlist.
 */
export async function openShop(ctx: ServiceContext): Promise<Shop> {
  const n = ++next;
  const [a, b, c, lone] = [1, 2, 3, 4].map((i) => `${n}_${i}`) as [string, string, string, string];
  const i1 = `IMP-${n}-1`;
  const i2 = `IMP-${n}-2`;
  const i3 = `IMP-${n}-3`;
  const impositions = {
    [i1]: [`FILE_1_Labex_${a}_10`, `FILE_1_Labex_${b}_11`, `FILE_1_Labex_${b}_12`],
    [i2]: [`FILE_1_Labex_${a}_20`, `FILE_2_Labex_${c}_21`],
    [i3]: [`FILE_1_Labex_${lone}_30`],
  };
  const runlist = `RL-${n}`;
  await upsertTrackingReference(
    ctx,
    {
      operations: [
        { operationId: 'op003', name: 'coating', sequenceOrder: 3 },
        { operationId: 'op006', name: 'kiss_cut', sequenceOrder: 6 },
      ],
      productionJobs: [a, b, c, lone].map((jobId) => ({ jobId, versionTag: 'v1', name: `labels ${jobId}` })),
      jobOperations: [a, b, c, lone].flatMap((jobId) => ['print', 'op003', 'op006'].map((operationId) => ({ jobId, operationId }))),
      impositions: Object.entries(impositions).map(([impositionId, fileIds]) => ({ impositionId, fileIds, operationIds: ['print', 'op003'] })),
      runlists: [{ runlistId: runlist, impositionIds: [i1, i2] }],
    },
    by,
  );
  return { jobs: [a, b, c], impositions, runlist, loneJob: lone };
}

let marker = 0;
export const printEvent = (impositionId: string, status: 'PRINTED' | 'ABORTED', at: string, extra: Partial<PrintOsEventInput> = {}): PrintOsEventInput => ({
  device: 'press-1',
  marker: ++marker,
  impositionId,
  status,
  completeTime: at,
  copies: 100,
  ...extra,
});

let scanNumber = 0;
export const scan = (codeText: string, operations: unknown, at: string, extra: Partial<ScanInput> = {}): ScanInput => ({
  scanId: `scan-${++scanNumber}-${Date.now()}`,
  codeText,
  scannedAt: at,
  machineId: 'coater-2',
  operations: operations as ScanInput['operations'],
  ...extra,
});

export async function printed(ctx: ServiceContext, events: PrintOsEventInput[]) {
  await recordPrintOsEvents(ctx, events, by);
  return processStatusUpdates(ctx, 'print_os', by);
}

export async function scanned(ctx: ServiceContext, scans: ScanInput[]) {
  await recordScans(ctx, scans, by);
  return processStatusUpdates(ctx, 'scanner', by);
}

/** A production job's operation by catalogue name. */
export async function operation(ctx: ServiceContext, jobId: string, name: string) {
  const [job] = await getProductionJobs(ctx.db, [jobId]);
  if (!job) throw new Error(`no production job ${jobId}`);
  const operations = (await operationsOf(ctx.db, 'job', [jobId])).get(jobId)!;
  return operations.find((o) => o.name === name);
}
