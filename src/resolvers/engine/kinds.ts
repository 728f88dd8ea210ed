// The job kinds known to the engine: name, stages, payload JSON Schema and the workers serving each.
import { listKinds } from '../../services/engine/kinds/list.ts';
import { builder } from '../../schema/builder.ts';
import { JobKindRef } from '../../schema/engine/kind.ts';

builder.queryFields((t) => ({
  kinds: t.field({
    type: [JobKindRef],
    description: 'Every known job kind, by name: defined in code or announced by a worker.',
    authScopes: { viewer: true },
    resolve: (_root, _args, context) => listKinds(context.services),
  }),
}));
