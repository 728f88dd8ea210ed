import { PrintTransitionError } from '../../services/print/errors.ts';
import { builder } from '../builder.ts';
import { ErrorInterface } from '../errors.ts';

builder.objectType(PrintTransitionError, {
  name: 'PrintTransitionError',
  description: 'The operation is not allowed from the object\'s status: see docs/print.md for the transition tables.',
  interfaces: [ErrorInterface],
  fields: (t) => ({
    targetType: t.exposeString('targetType'),
    targetId: t.exposeString('targetId'),
    from: t.exposeString('from'),
    operation: t.exposeString('operation'),
  }),
});
