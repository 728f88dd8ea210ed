// Runs a command's work on the database when the CLI may open it, or, when an embedded Pressroom
// holds the data folder, through that process's API on this machine.
import { readLocalControl } from '../../api/localControl.ts';
import { loadConfig } from '../../config.ts';
import { DataFolderLockedError } from '../../services/errors.ts';
import { openForCommand } from '../session.ts';
import { localBackend } from './local.ts';
import { remoteBackend } from './remote.ts';
import type { CliBackend } from './types.ts';

export async function withBackend<T>(work: (backend: CliBackend) => Promise<T>): Promise<T> {
  const backend = await openBackend();
  try {
    return await work(backend);
  } finally {
    await backend.close();
  }
}

async function openBackend(): Promise<CliBackend> {
  const config = loadConfig();
  try {
    return localBackend(await openForCommand(config));
  } catch (error) {
    if (!(error instanceof DataFolderLockedError)) throw error;
    const control = await readLocalControl(config.PRESSROOM_DATA_DIR);
    // The process holding the folder serves no API (a `pressroom worker`): nothing to go through.
    if (!control) throw error;
    return remoteBackend(control);
  }
}
