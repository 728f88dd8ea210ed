// Who is calling. With API keys configured, every request carries one (`Authorization: Bearer`
// on HTTP, `connectionParams.authorization` on graphql-ws). With none configured, only clients
// on this machine (loopback) are served, as the local admin: a newcomer's GraphiQL just works,
// and nothing is open to the network. The CLI beside an embedded Pressroom brings the process's
// local control token (src/api/localControl.ts), a secret like a key, and acts as the admin 'cli'.
import { timingSafeEqual } from 'node:crypto';
import type { Db } from '../db/client.ts';
import { findApiKey, hasLiveApiKeys } from '../services/engine/apiKeys.ts';
import type { Caller } from './context.ts';

export { refusalOf } from './context.ts';

export const ANONYMOUS: Caller = { name: 'anonymous', role: null };
/** A key was sent, but no live key matches it (unknown, mistyped or revoked). */
const WRONG_KEY: Caller = { name: 'anonymous', role: null, wrongKey: true };
const LOCAL_ADMIN: Caller = { name: 'local', role: 'admin' };
const LOCAL_CLI: Caller = { name: 'cli', role: 'admin' };

export function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  return address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.');
}

export function bearerToken(header: string | null | undefined): string | null {
  const match = /^Bearer\s+(\S+)$/i.exec(header ?? '');
  return match ? match[1]! : null;
}

const sameSecret = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

/** The caller for a key (or none) from a remote address. */
export async function resolveCaller(db: Db, token: string | null, remoteAddress: string | undefined, localControlToken?: string): Promise<Caller> {
  if (token) {
    if (localControlToken && sameSecret(token, localControlToken)) return LOCAL_CLI;
    const key = await findApiKey(db, token);
    return key ? { name: key.name, role: key.role } : WRONG_KEY;
  }
  if (isLoopback(remoteAddress) && !(await hasLiveApiKeys(db))) return LOCAL_ADMIN;
  return ANONYMOUS;
}
