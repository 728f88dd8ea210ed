// Scan scopes: a lane and a selection of documents (type, customer, created from/to). Every
// change is in the history. A scope must select something: an empty scope is refused.
import { type SQL, sql } from 'drizzle-orm';
import { z } from 'zod';
import { query, type Db } from '../../db/client.ts';
import { inTransaction, type ServiceContext } from '../context.ts';
import { appendHistory } from '../engine/history.ts';
import type { Actor, Json } from '../engine/types.ts';
import { InvalidInputError, NotFoundError } from '../errors.ts';
import { storableText } from '../storableJson.ts';
import { parseInput } from '../validate.ts';
import { LANES, scopeFromRow, type DocumentSelection, type ScanScope } from './model.ts';

const scopeName = z
  .string()
  .min(1, 'name must not be empty')
  .max(100)
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]*$/, 'name may hold letters, digits and _ . : - only');

const selectionFields = {
  documentType: storableText().min(1).max(100).nullable().optional(),
  customer: storableText().min(1).max(200).nullable().optional(),
  createdFrom: z.coerce.date().nullable().optional(),
  createdTo: z.coerce.date().nullable().optional(),
};

const lane = z.enum(LANES, { error: 'unknown lane: use production or historical' });

function checkSelection(selection: { documentType?: string | null; customer?: string | null; createdFrom?: Date | null; createdTo?: Date | null }, issues: z.RefinementCtx) {
  if (!selection.documentType && !selection.customer && !selection.createdFrom && !selection.createdTo) {
    issues.addIssue({ code: 'custom', path: ['documentType'], message: 'an empty scope selects nothing: give a document type, a customer or a created range' });
  }
  if (selection.createdFrom && selection.createdTo && selection.createdFrom >= selection.createdTo) {
    issues.addIssue({ code: 'custom', path: ['createdTo'], message: 'createdTo must be after createdFrom' });
  }
}

const createInput = z.object({ name: scopeName, lane, ...selectionFields }).strict().superRefine(checkSelection);
const updateInput = z.object({ lane: lane.optional(), ...selectionFields }).strict();

export type CreateScopeInput = z.input<typeof createInput>;
export type UpdateScopeInput = z.input<typeof updateInput>;

const describe = (scope: ScanScope): Json => ({
  lane: scope.lane,
  documentType: scope.documentType,
  customer: scope.customer,
  createdFrom: scope.createdFrom?.toISOString() ?? null,
  createdTo: scope.createdTo?.toISOString() ?? null,
});

export async function createScanScope(ctx: ServiceContext, input: CreateScopeInput, by: Actor): Promise<ScanScope> {
  const scope = parseInput(createInput, input);
  return inTransaction(ctx, async (tx, emit) => {
    const [row] = await query<Record<string, unknown>>(
      tx,
      sql`insert into print_scan_scopes (name, lane, document_type, customer, created_from, created_to, created_by)
          values (${scope.name}, ${scope.lane}, ${scope.documentType ?? null}, ${scope.customer ?? null},
                  ${scope.createdFrom?.toISOString() ?? null}::timestamptz, ${scope.createdTo?.toISOString() ?? null}::timestamptz, ${by.actor})
          on conflict (name) do nothing returning *`,
    );
    if (!row) throw new InvalidInputError([{ path: 'name', message: `a scope named ${scope.name} exists already` }]);
    const created = scopeFromRow(row);
    await appendHistory(tx, emit, [{ actor: by.actor, operation: 'create', targetType: 'printScope', targetId: created.name, after: describe(created), reason: by.reason }]);
    return created;
  });
}

/** Changes a scope's lane or selection; fields left out keep their value, null clears a criterion. */
export async function updateScanScope(ctx: ServiceContext, name: string, input: UpdateScopeInput, by: Actor): Promise<ScanScope> {
  const patch = parseInput(updateInput, input);
  return inTransaction(ctx, async (tx, emit) => {
    const before = await lockScope(tx, name);
    const next = { ...before, ...Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) } as ScanScope;
    parseInput(z.object(selectionFields).superRefine(checkSelection), {
      documentType: next.documentType,
      customer: next.customer,
      createdFrom: next.createdFrom,
      createdTo: next.createdTo,
    });
    const [row] = await query<Record<string, unknown>>(
      tx,
      sql`update print_scan_scopes set lane = ${next.lane}, document_type = ${next.documentType}, customer = ${next.customer},
            created_from = ${next.createdFrom?.toISOString() ?? null}::timestamptz, created_to = ${next.createdTo?.toISOString() ?? null}::timestamptz,
            updated_at = now()
          where id = ${before.id} returning *`,
    );
    const updated = scopeFromRow(row!);
    await appendHistory(tx, emit, [
      { actor: by.actor, operation: 'update', targetType: 'printScope', targetId: name, before: describe(before), after: describe(updated), reason: by.reason },
    ]);
    return updated;
  });
}

/** Deletes a scope without a live scan; its finished scans stay, with its name. */
export async function deleteScanScope(ctx: ServiceContext, name: string, by: Actor): Promise<ScanScope> {
  return inTransaction(ctx, async (tx, emit) => {
    const scope = await lockScope(tx, name);
    const [live] = await query<{ id: number }>(tx, sql`select id from print_scans where scope_id = ${scope.id} and status in ('pending', 'running') limit 1`);
    if (live) throw new InvalidInputError([{ path: 'name', message: `scope ${name} has a live scan (${live.id}): cancel it first` }]);
    await tx.execute(sql`delete from print_scan_scopes where id = ${scope.id}`);
    await appendHistory(tx, emit, [{ actor: by.actor, operation: 'delete', targetType: 'printScope', targetId: name, before: describe(scope), reason: by.reason }]);
    return scope;
  });
}

async function lockScope(tx: Db, name: string): Promise<ScanScope> {
  const [row] = await query<Record<string, unknown>>(tx, sql`select * from print_scan_scopes where name = ${name} for update`);
  if (!row) throw new NotFoundError('printScope', name);
  return scopeFromRow(row);
}

export async function listScanScopes(db: Db, filter: { lane?: string | null } = {}): Promise<ScanScope[]> {
  const rows = await query<Record<string, unknown>>(
    db,
    sql`select * from print_scan_scopes where ${filter.lane ? sql`lane = ${filter.lane}` : sql`true`} order by name`,
  );
  return rows.map(scopeFromRow);
}

export async function getScanScope(db: Db, name: string): Promise<ScanScope> {
  const [row] = await query<Record<string, unknown>>(db, sql`select * from print_scan_scopes where name = ${name}`);
  if (!row) throw new NotFoundError('printScope', name);
  return scopeFromRow(row);
}

/** The documents a selection names that are not printed yet and not in a lane row still to print or failed. */
export function unprintedDocuments(selection: DocumentSelection): SQL {
  const where: SQL[] = [sql`true`];
  if (selection.documentType) where.push(sql`d.type = ${selection.documentType}`);
  if (selection.customer) where.push(sql`d.customer = ${selection.customer}`);
  if (selection.createdFrom) where.push(sql`d.created_at >= ${selection.createdFrom.toISOString()}`);
  if (selection.createdTo) where.push(sql`d.created_at < ${selection.createdTo.toISOString()}`);
  return sql`select d.id from print_documents d
    where ${sql.join(where, sql` and `)}
      and not exists (select 1 from print_dedupe p where p.document_key = d.key)
      and not exists (select 1 from print_export_rows r where r.document_key = d.key and r.status in ('queued', 'processing', 'failed_export'))`;
}

export function selectionOf(json: Json): DocumentSelection {
  const s = (json ?? {}) as Record<string, string | null>;
  return {
    documentType: s.documentType ?? null,
    customer: s.customer ?? null,
    createdFrom: s.createdFrom ? new Date(s.createdFrom) : null,
    createdTo: s.createdTo ? new Date(s.createdTo) : null,
  };
}
