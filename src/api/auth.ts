// Who is calling. With API keys configured, every request carries one (`Authorization: Bearer`
// on HTTP, `connectionParams.authorization` on graphql-ws). With none configured, only clients
// on this machine (loopback) are served, as the local admin: a newcomer's GraphiQL just works,
// and nothing is open to the network.
import type { Db } from '../db/client.ts';
import { findApiKey, hasLiveApiKeys } from '../services/engine/apiKeys.ts';
import type { Caller } from './context.ts';

export const ANONYMOUS: Caller = { name: 'anonymous', role: null };
const LOCAL_ADMIN: Caller = { name: 'local', role: 'admin' };

export function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  return address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.');
}

export function bearerToken(header: string | null | undefined): string | null {
  const match = /^Bearer\s+(\S+)$/i.exec(header ?? '');
  return match ? match[1]! : null;
}

/** The caller for a key (or none) from a remote address. */
export async function resolveCaller(db: Db, token: string | null, remoteAddress: string | undefined): Promise<Caller> {
  if (token) {
    const key = await findApiKey(db, token);
    return key ? { name: key.name, role: key.role } : ANONYMOUS;
  }
  if (isLoopback(remoteAddress) && !(await hasLiveApiKeys(db))) return LOCAL_ADMIN;
  return ANONYMOUS;
}
