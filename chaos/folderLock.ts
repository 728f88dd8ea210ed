// The embedded database's folder lock under kill -9: `pressroom start` (embedded, in a folder of
// its own), SIGKILL, start again at once: how long until it runs again, and whether any restart
// was refused because of the dead process's lock (or failed otherwise). Run from the compiled build,
// as `npm start` runs it (rebuilt first when src/ changed since), or from the source through tsx.
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { root, spawnPressroom } from '../bench/pressroomProcess.ts';
import { percentile } from './cluster.ts';

export interface FolderLockResult {
  kills: number;
  refused: number;
  /** Restarts that exited without being refused (the output of the first is logged). */
  failed: number;
  from: 'source' | 'build';
  /** From SIGKILL to the next process's worker started (ms), sorted; mostly Node.js and PGlite starting. */
  restartMs: number[];
}

/** Runs `npm run build:server` when a file of src/ is newer than dist/cli.js: the figures are of this code. */
async function ensureBuildCurrent(log: (line: string) => void): Promise<void> {
  const built = await stat(path.join(root, 'dist', 'cli.js')).then((s) => s.mtimeMs, () => 0);
  const files = await readdir(path.join(root, 'src'), { recursive: true });
  const times = await Promise.all(files.map((file) => stat(path.join(root, 'src', file)).then((s) => s.mtimeMs)));
  if (Math.max(...times) <= built) return;
  log('folder lock: src/ changed since the last build: npm run build:server');
  await promisify(execFile)('npm', ['run', 'build:server'], { cwd: root, maxBuffer: 10 * 1024 * 1024 });
}

export async function runFolderLock(kills: number, log: (line: string) => void, from: 'source' | 'build' = 'build'): Promise<FolderLockResult> {
  if (from === 'build') await ensureBuildCurrent(log);
  const folder = await mkdtemp(path.join(tmpdir(), 'pressroom-chaos-lock-'));
  const env = { PRESSROOM_DATA_DIR: path.join(folder, 'data'), PRESSROOM_PORT: '0', LOG_LEVEL: 'info', DATABASE_URL: '', REDIS_URL: '' };
  const start = () => spawnPressroom('start', env, [], from);
  const result: FolderLockResult = { kills, refused: 0, failed: 0, from, restartMs: [] };
  try {
    let current = start();
    await current.waitFor(/worker started/, 120_000);
    for (let k = 0; k < kills; k++) {
      current.child.kill('SIGKILL');
      const killed = Date.now();
      await new Promise((resolve) => current.child.once('exit', resolve));
      current = start();
      try {
        await current.waitFor(/worker started/, 120_000);
        result.restartMs.push(Date.now() - killed);
      } catch {
        if (/in use by another Pressroom process/.test(current.output())) result.refused++;
        else {
          result.failed++;
          log(`folder lock: restart ${k + 1} failed; its output:\n${current.output().slice(-3_000)}`);
        }
        await current.stop();
        break;
      }
    }
    await current.stop();
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
  result.restartMs.sort((a, b) => a - b);
  log(`folder lock: ${kills} kills, ${result.refused} refused, ${result.failed} failed, restart p50 ${percentile(result.restartMs, 0.5)} ms`);
  return result;
}
