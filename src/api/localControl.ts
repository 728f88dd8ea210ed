// The data folder of an embedded Pressroom belongs to one process, so the CLI on the same machine
// works through that process's API. The process leaves its API's loopback address and a secret in
// the data folder, readable by its owner only: whoever may read the folder may change the
// database anyway. The file goes when the process stops.
import { randomBytes } from 'node:crypto';
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

export interface LocalControl {
  url: string;
  token: string;
  pid: number;
}

const controlPath = (dataDir: string) => path.join(dataDir, 'pressroom.api.json');

export function newControlToken(): string {
  return `prl_${randomBytes(24).toString('base64url')}`;
}

/** Leaves the address and token for the CLI; resolves to a function that takes them away. */
export async function publishLocalControl(dataDir: string, control: LocalControl): Promise<() => Promise<void>> {
  await writeFile(controlPath(dataDir), JSON.stringify(control), { mode: 0o600 });
  return () => rm(controlPath(dataDir), { force: true });
}

export async function readLocalControl(dataDir: string): Promise<LocalControl | null> {
  try {
    return JSON.parse(await readFile(controlPath(dataDir), 'utf8')) as LocalControl;
  } catch {
    return null;
  }
}
