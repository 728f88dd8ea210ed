// One history entry for an operator's call that changes nothing else (a dry run, a heal that
// found nothing to heal): recovery tools are audited whatever they find.
import { inTransaction, type ServiceContext } from '../context.ts';
import { appendHistory } from '../engine/history.ts';
import type { Actor, Json } from '../engine/types.ts';

export async function auditOperation(ctx: ServiceContext, by: Actor, operation: string, target: { type: string; id: string }, after: Json): Promise<void> {
  await inTransaction(ctx, (tx, emit) => appendHistory(tx, emit, [{ actor: by.actor, operation, targetType: target.type, targetId: target.id, after, reason: by.reason }]));
}
