// PGlite is one connection in one process: two processes on one data folder silently
// lose data. The process that opens the folder holds a lock on it until it closes. A lock left by
// a process of this host that no longer exists (killed, crashed) is taken over at once.
import { mkdir, readFile, rename, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import path from 'node:path';
import lockfile from 'proper-lockfile';
import { DataFolderLockedError } from '../services/errors.ts';

const lockPath = (dataDir: string) => path.join(dataDir, 'pressroom.lock');
// Beside the lock, not in it: writing inside the lock folder would change the mtime the lock is kept by.
const ownerPath = (dataDir: string) => path.join(dataDir, 'pressroom.lock.owner.json');

export const STALE_MS = 15_000;

export async function lockDataFolder(dataDir: string): Promise<() => Promise<void>> {
  try {
    return await takeLock(dataDir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ELOCKED') throw error;
    if (!(await takeOverFromDeadOwner(dataDir))) throw new DataFolderLockedError(path.resolve(dataDir), await readOwner(dataDir).then(describeOwner));
    try {
      return await takeLock(dataDir);
    } catch (retryError) {
      // Another process took the freed folder first.
      if ((retryError as NodeJS.ErrnoException).code === 'ELOCKED') throw new DataFolderLockedError(path.resolve(dataDir), await readOwner(dataDir).then(describeOwner));
      throw retryError;
    }
  }
}

async function takeLock(dataDir: string): Promise<() => Promise<void>> {
  const release = await lockfile.lock(dataDir, {
    lockfilePath: lockPath(dataDir),
    // The holder refreshes the lock every 5 s; a lock not refreshed for STALE_MS was left by a dead
    // process (on another host sharing the folder; on this one, takeOverFromDeadOwner is quicker).
    stale: STALE_MS,
    update: 5_000,
    realpath: false,
    onCompromised: (error) => {
      // Another process took the folder: stop before we write over its data.
      console.error(`pressroom: lost the lock on ${dataDir}: ${error.message}; exiting`);
      process.exit(75);
    },
  });
  await writeFile(ownerPath(dataDir), JSON.stringify({ pid: process.pid, host: hostname() }));
  return release;
}

interface Owner {
  pid: number;
  host: string;
}

async function readOwner(dataDir: string): Promise<Owner | undefined> {
  try {
    return JSON.parse(await readFile(ownerPath(dataDir), 'utf8')) as Owner;
  } catch {
    return undefined;
  }
}

const describeOwner = (owner: Owner | undefined) => (owner ? `pid ${owner.pid} on ${owner.host}` : undefined);

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, under another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Frees the folder when its lock was left by a process of this host that no longer exists. Two
 * processes starting at once after a crash take turns through a takeover marker (mkdir is atomic):
 * only one moves the dead lock aside, the other then finds the folder locked by a live process.
 */
async function takeOverFromDeadOwner(dataDir: string): Promise<boolean> {
  const marker = `${lockPath(dataDir)}.takeover`;
  try {
    await mkdir(marker);
  } catch {
    // A takeover under way, or one whose process died midway (then it is old: clear it for the next start).
    const age = await stat(marker).then((s) => Date.now() - s.mtimeMs, () => 0);
    if (age > STALE_MS) await rmdir(marker).catch(() => {});
    return false;
  }
  try {
    const owner = await readOwner(dataDir);
    if (!owner || owner.host !== hostname() || owner.pid === process.pid || processExists(owner.pid)) return false;
    const aside = `${lockPath(dataDir)}.dead-${owner.pid}-${Date.now()}`;
    await rename(lockPath(dataDir), aside);
    await rm(aside, { recursive: true, force: true });
    return true;
  } catch {
    return false;
  } finally {
    await rmdir(marker).catch(() => {});
  }
}
