// API keys: a name (the actor in the history) and a role, viewer < operator < admin. Only a
// hash is stored; the key is shown once, when it is created.
import { createHash, randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { z } from 'zod';
import { query, type Db } from '../../db/client.ts';
import { inTransaction, type ServiceContext } from '../context.ts';
import { InvalidInputError, NotFoundError } from '../errors.ts';
import { appendHistory } from './history.ts';
import type { Actor } from './types.ts';
import { parseInput } from '../validate.ts';

/** ingest: a device's key, which may record production tracking events only. */
export const ROLES = ['viewer', 'operator', 'admin', 'ingest'] as const;
export type ApiRole = (typeof ROLES)[number];

export interface ApiKey {
  id: number;
  name: string;
  role: ApiRole;
  createdAt: Date;
  revokedAt: Date | null;
  lastUsedAt: Date | null;
}

type Row = Record<string, unknown>;
const keyFromRow = (r: Row): ApiKey => ({
  id: Number(r.id),
  name: r.name as string,
  role: r.role as ApiRole,
  createdAt: new Date(r.created_at as string),
  revokedAt: r.revoked_at ? new Date(r.revoked_at as string) : null,
  lastUsedAt: r.last_used_at ? new Date(r.last_used_at as string) : null,
});

const hashOf = (key: string) => createHash('sha256').update(key).digest('hex');

const createInput = z.object({
  name: z.string().min(1).max(100).regex(/^[A-Za-z0-9][A-Za-z0-9_.@:-]*$/, 'name may hold letters, digits and _ . @ : - only'),
  role: z.enum(ROLES),
});

/** Creates a key; returns it in clear, the only time it is shown. */
export async function createApiKey(ctx: ServiceContext, input: { name: string; role: string }, by: Actor): Promise<{ key: string; apiKey: ApiKey }> {
  const { name, role } = parseInput(createInput, input);
  const key = `prk_${randomBytes(24).toString('base64url')}`;
  return inTransaction(ctx, async (tx, emit) => {
    const [row] = await query<Row>(
      tx,
      sql`insert into api_keys (name, role, key_hash) values (${name}, ${role}, ${hashOf(key)})
          on conflict (name) where revoked_at is null do nothing returning *`,
    );
    if (!row) throw new InvalidInputError([{ path: 'name', message: `a live key named ${name} exists; revoke it first` }]);
    await appendHistory(tx, emit, [{ actor: by.actor, operation: 'createKey', targetType: 'apiKey', targetId: name, after: { role }, reason: by.reason }]);
    return { key, apiKey: keyFromRow(row) };
  });
}

export async function revokeApiKey(ctx: ServiceContext, name: string, by: Actor): Promise<ApiKey> {
  return inTransaction(ctx, async (tx, emit) => {
    const [row] = await query<Row>(tx, sql`update api_keys set revoked_at = now() where name = ${name} and revoked_at is null returning *`);
    if (!row) throw new NotFoundError('apiKey', name);
    await appendHistory(tx, emit, [{ actor: by.actor, operation: 'revokeKey', targetType: 'apiKey', targetId: name, reason: by.reason }]);
    return keyFromRow(row);
  });
}

export async function listApiKeys(db: Db): Promise<ApiKey[]> {
  return (await query<Row>(db, sql`select * from api_keys order by created_at`)).map(keyFromRow);
}

/** The live key matching `key`, or null. */
export async function findApiKey(db: Db, key: string): Promise<ApiKey | null> {
  const [row] = await query<Row>(
    db,
    // last_used_at is written at most once a minute per key, not on every request.
    sql`with hit as (select * from api_keys where key_hash = ${hashOf(key)} and revoked_at is null),
        touched as (
          update api_keys set last_used_at = now()
          where id = (select id from hit) and (last_used_at is null or last_used_at < now() - interval '1 minute'))
        select * from hit`,
  );
  return row ? keyFromRow(row) : null;
}

export async function hasLiveApiKeys(db: Db): Promise<boolean> {
  const [row] = await query<{ live: boolean }>(db, sql`select exists (select 1 from api_keys where revoked_at is null) as live`);
  return Boolean(row?.live);
}
