// PGlite is one connection in one process: two processes on one data folder silently
// lose data. The process that opens the folder holds a lock on it until it closes.
import { writeFile, readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import path from 'node:path';
import lockfile from 'proper-lockfile';
import { DataFolderLockedError } from '../services/errors.ts';

const lockPath = (dataDir: string) => path.join(dataDir, 'pressroom.lock');
// Beside the lock, not in it: writing inside the lock folder would change the mtime the lock is kept by.
const ownerPath = (dataDir: string) => path.join(dataDir, 'pressroom.lock.owner.json');

export const STALE_MS = 15_000;

export async function lockDataFolder(dataDir: string): Promise<() => Promise<void>> {
  let release: () => Promise<void>;
  try {
    release = await lockfile.lock(dataDir, {
      lockfilePath: lockPath(dataDir),
      // The holder refreshes the lock every 5 s; a lock not refreshed for STALE_MS was left by a dead process.
      stale: STALE_MS,
      update: 5_000,
      realpath: false,
      onCompromised: (error) => {
        // Another process took the folder: stop before we write over its data.
        console.error(`pressroom: lost the lock on ${dataDir}: ${error.message}; exiting`);
        process.exit(75);
      },
    });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ELOCKED') {
      throw new DataFolderLockedError(path.resolve(dataDir), await readOwner(dataDir));
    }
    throw error;
  }
  await writeFile(ownerPath(dataDir), JSON.stringify({ pid: process.pid, host: hostname() }));
  return release;
}

async function readOwner(dataDir: string): Promise<string | undefined> {
  try {
    const owner = JSON.parse(await readFile(ownerPath(dataDir), 'utf8')) as { pid: number; host: string };
    return `pid ${owner.pid} on ${owner.host}`;
  } catch {
    return undefined;
  }
}
