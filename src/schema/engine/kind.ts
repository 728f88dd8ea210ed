import type { KnownKind } from '../../services/engine/kinds/list.ts';
import { builder } from '../builder.ts';

export const JobKindRef = builder.objectRef<KnownKind>('JobKind').implement({
  description: 'A job kind: what a handler runs. enqueueJob refuses a kind that is not known here (unless allowUnknownKind).',
  fields: (t) => ({
    name: t.exposeString('kind'),
    stages: t.exposeStringList('stages', { description: 'The stages its handler goes through, in order (empty when it declares none).' }),
    payloadSchema: t.expose('payloadSchema', {
      type: 'JSON',
      nullable: true,
      description: 'JSON Schema of the payload it takes (fields with defaults are optional); null: any object. Enqueue checks payloads against it.',
    }),
    definedHere: t.exposeBoolean('definedHere', { description: 'Defined in the code of the process that answers (built in, or a PRESSROOM_HANDLERS module).' }),
    announcedAt: t.expose('announcedAt', { type: 'DateTime', nullable: true, description: 'When a worker last announced it; null if none ever did.' }),
    servedBy: t.exposeStringList('servedBy', { description: 'Ids of the running workers with a handler for it; empty: its jobs wait (and raise an unserved_kind alert).' }),
  }),
});
