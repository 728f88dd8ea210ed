import type { HistoryEntry } from '../../services/engine/types.ts';
import { builder } from '../builder.ts';

export const HistoryEntryRef = builder.objectRef<HistoryEntry>('HistoryEntry').implement({
  description: 'One transition or manual operation: append-only.',
  fields: (t) => ({
    id: t.exposeID('id'),
    at: t.expose('at', { type: 'DateTime' }),
    actor: t.exposeString('actor', { description: 'API key name, worker id, supervisor or cli' }),
    operation: t.exposeString('operation'),
    targetType: t.exposeString('targetType'),
    targetId: t.exposeString('targetId'),
    before: t.expose('before', { type: 'JSON', nullable: true }),
    after: t.expose('after', { type: 'JSON', nullable: true }),
    reason: t.exposeString('reason', { nullable: true }),
  }),
});
