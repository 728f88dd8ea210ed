// The reliability suite (npm run chaos) at a tiny size, on a PostgreSQL and a Redis of its own: its
// scenarios still run end to end and still find nothing wrong. (The fuzz runs in chaos only: graphql-ws's
// client leaves a normal close's rejection unhandled now and then, which vitest counts as an error;
// bad documents are tested in wsBadOperations, apiErrors and memory.) Server mode runs only (it starts
// its own servers, the same in either mode: once is enough).
import { afterAll, beforeAll, beforeEach, describe, expect, it, onTestFailed } from 'vitest';
import { startCluster, type Cluster } from '../chaos/cluster.ts';
import { runFolderLock } from '../chaos/folderLock.ts';
import { runPostgresRestarts } from '../chaos/postgresRestarts.ts';
import { runRedisOutage } from '../chaos/redisOutage.ts';
import { reliabilityLines } from '../chaos/report.ts';
import { runWorkerKills } from '../chaos/workerKills.ts';
import { serverMode } from './support/db.ts';

// What the scenarios report as they go: printed when a test fails.
let logged: string[] = [];
const log = (line: string) => void logged.push(line);

describe.runIf(serverMode)('the reliability suite, small', () => {
  let cluster: Cluster;
  beforeAll(async () => {
    cluster = await startCluster('chaos_smoke');
  }, 120_000);
  afterAll(() => cluster?.close(), 120_000);
  beforeEach(() => {
    logged = [];
    onTestFailed(() => console.warn(logged.join('\n')));
  });

  it('kills workers mid-job: nothing lost or done twice, recovered long before the 30 s lease', async () => {
    const result = await runWorkerKills(cluster, 2, log);
    expect(result).toMatchObject({ kills: 2, lost: 0, completedTwice: 0, effectTwice: 0 });
    expect(result.recoveryMs.at(-1)).toBeLessThan(15_000);
    expect(reliabilityLines({ kills: result })[0]).toContain('Worker killed mid-job');
  }, 300_000);

  it('stops Redis under subscribers: calls served, every subscriber told and then sent a fresh snapshot', async () => {
    const result = await runRedisOutage(cluster, 1_500, 3, log);
    expect(result).toMatchObject({ callsServed: result.calls, toldDown: 3, freshAfter: 3, silent: 0 });
  }, 300_000);

  it('restarts PostgreSQL under load: nothing lost, no process died, only 503s while it is down', async () => {
    const result = await runPostgresRestarts(cluster, 1, log);
    expect(result).toMatchObject({ lost: 0, otherErrors: 0, processesDied: 0 });
    expect(result.hangs).toBe(0);
    expect(result.served).toBeGreaterThan(0);
    expect(result.recoveryMs).toHaveLength(1);
  }, 300_000);

  it('kills an embedded Pressroom: it starts again at once on its folder', async () => {
    // From the source: the compiled build may be older than the code under test.
    const result = await runFolderLock(1, log, 'source');
    expect(result).toMatchObject({ kills: 1, refused: 0, failed: 0 });
    expect(result.restartMs).toHaveLength(1);
  }, 300_000);
});
