// The shop the tracking bench runs on, at issue #12's sizes by default: 10,000 production jobs,
// 20,000 impositions of 5 files (100,000 files; each production job's files on 3 to 4
// neighbouring impositions), runlists of 50 impositions; and the device records that go with it.
import type { PrintOsEventInput, ScanInput } from '../../src/services/tracking/ingest.ts';
import type { ReferenceInput } from '../../src/services/tracking/referenceData.ts';

export interface ShopSize {
  jobs: number;
  impositions: number;
  runlistSize: number;
}

export const jobId = (j: number) => `${10_000 + j}_1`;
const impositionId = (i: number) => `IMP-${i}`;
const runlistId = (r: number) => `RL-${r}`;

/** Imposition i holds 3 files of production job ⌊i/2⌋ and 2 of the next. */
function filesOf(size: ShopSize, i: number): string[] {
  const first = Math.floor(i / 2) % size.jobs;
  const second = (first + 1) % size.jobs;
  return [0, 1, 2].map((k) => `FILE_1_Labex_${jobId(first)}_${i}-${k}`).concat([3, 4].map((k) => `FILE_1_Labex_${jobId(second)}_${i}-${k}`));
}

/** The reference data, in sections cut to the upsert limit. */
export function* referenceData(size: ShopSize): Generator<ReferenceInput> {
  yield { operations: [{ operationId: 'op003', name: 'coating', sequenceOrder: 3 }, { operationId: 'op006', name: 'kiss_cut', sequenceOrder: 6 }] };
  for (let j = 0; j < size.jobs; j += 1_000) {
    const ids = Array.from({ length: Math.min(1_000, size.jobs - j) }, (_, n) => jobId(j + n));
    yield { productionJobs: ids.map((id) => ({ jobId: id, versionTag: 'v1' })) };
    yield { jobOperations: ids.flatMap((id) => ['print', 'op003', 'op006'].map((operationId) => ({ jobId: id, operationId }))) };
  }
  for (let i = 0; i < size.impositions; i += 1_000) {
    const count = Math.min(1_000, size.impositions - i);
    yield { impositions: Array.from({ length: count }, (_, n) => ({ impositionId: impositionId(i + n), fileIds: filesOf(size, i + n), operationIds: ['print'] })) };
  }
  const runlists = Math.ceil(size.impositions / size.runlistSize);
  for (let r = 0; r < runlists; r += 100) {
    yield {
      runlists: Array.from({ length: Math.min(100, runlists - r) }, (_, n) => ({
        runlistId: runlistId(r + n),
        impositionIds: Array.from({ length: size.runlistSize }, (_, k) => (r + n) * size.runlistSize + k)
          .filter((i) => i < size.impositions)
          .map(impositionId),
      })),
    };
  }
}

const base = Date.parse('2026-11-30T06:00:00Z');

/** Press event n: imposition n mod impositions, nine in ten printed, times increasing. */
export function printEvent(size: ShopSize, n: number, device = 'press-1'): PrintOsEventInput {
  return {
    device,
    marker: n + 1,
    impositionId: impositionId((n * 7) % size.impositions),
    status: n % 10 === 9 ? 'ABORTED' : 'PRINTED',
    completeTime: new Date(base + n * 100).toISOString(),
    copies: 500,
    jobName: `run ${n}`,
  };
}

/** Scan n: one in fifty a runlist, the others a production job code (which reaches its runlist). */
export function scan(size: ShopSize, n: number, prefix = 'scan'): ScanInput {
  const runlists = Math.ceil(size.impositions / size.runlistSize);
  return {
    scanId: `${prefix}-${n}`,
    codeText: n % 50 === 0 ? runlistId(n % runlists) : `${jobId((n * 13) % size.jobs)}_v1`,
    scannedAt: new Date(base + n * 100).toISOString(),
    machineId: `machine-${n % 8}`,
    operations: [n % 2 ? 'coating' : 'kiss_cut'],
  };
}
