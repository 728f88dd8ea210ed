// The production lane takes new documents as they arrive: a recurring job starts a scan of each
// production scope that has unprinted documents no scan holds yet, unless a scan of that scope is
// still cutting its slices (Pending, or with Pending slices), which would snapshot the same documents.
import { sql } from 'drizzle-orm';
import { query } from '../../db/client.ts';
import type { ServiceContext } from '../context.ts';
import type { Actor } from '../engine/types.ts';
import type { Scan } from './model.ts';
import { startScan } from './scans.ts';
import { listScanScopes, unprintedDocuments } from './scopes.ts';

export async function startProductionScans(ctx: ServiceContext, by: Actor): Promise<Scan[]> {
  const started: Scan[] = [];
  for (const scope of await listScanScopes(ctx.db, { lane: 'production' })) {
    const [state] = await query<{ busy: boolean; waiting: boolean }>(
      ctx.db,
      sql`select
            exists (select 1 from print_scans c where c.scope_id = ${scope.id}
                    and (c.status = 'pending' or (c.status = 'running' and exists (
                      select 1 from print_slices s where s.scan_id = c.id and s.status in ('pending', 'running'))))) as busy,
            exists (${unprintedDocuments(scope)} and not exists (
              select 1 from print_slices s join print_scans c on c.id = s.scan_id
              where c.scope_id = ${scope.id} and s.status in ('pending', 'running') and d.id = any(s.document_ids))) as waiting`,
    );
    if (state?.busy || !state?.waiting) continue;
    started.push(await startScan(ctx, scope.name, by));
  }
  return started;
}
