// The embedded database's folder lock under kill -9: `pressroom start` (embedded, in a folder of
// its own), SIGKILL, start again at once: how long until it runs again, and whether any restart
// was refused because of the dead process's lock.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { spawnPressroom } from '../bench/pressroomProcess.ts';
import { percentile } from './cluster.ts';

export interface FolderLockResult {
  kills: number;
  refused: number;
  /** From SIGKILL to the next process's worker started (ms), sorted; mostly Node.js and PGlite starting. */
  restartMs: number[];
}

export async function runFolderLock(kills: number, log: (line: string) => void): Promise<FolderLockResult> {
  const folder = await mkdtemp(path.join(tmpdir(), 'pressroom-chaos-lock-'));
  const env = { PRESSROOM_DATA_DIR: path.join(folder, 'data'), PRESSROOM_PORT: '0', LOG_LEVEL: 'info', DATABASE_URL: '', REDIS_URL: '' };
  const result: FolderLockResult = { kills, refused: 0, restartMs: [] };
  try {
    let current = spawnPressroom('start', env, []);
    await current.waitFor(/worker started/, 120_000);
    for (let k = 0; k < kills; k++) {
      current.child.kill('SIGKILL');
      const killed = Date.now();
      await new Promise((resolve) => current.child.once('exit', resolve));
      current = spawnPressroom('start', env, []);
      try {
        await current.waitFor(/worker started/, 120_000);
        result.restartMs.push(Date.now() - killed);
      } catch {
        if (/in use by another Pressroom process/.test(current.output())) result.refused++;
        await current.stop();
        break;
      }
    }
    await current.stop();
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
  result.restartMs.sort((a, b) => a - b);
  log(`folder lock: ${kills} kills, ${result.refused} refused, restart p50 ${percentile(result.restartMs, 0.5)} ms`);
  return result;
}
