// API keys from the API (admin only): create (the key is shown once), list, revoke; each change
// is in the history with the caller as actor.
import { actorOf } from '../../api/context.ts';
import { createApiKey, listApiKeys, revokeApiKey } from '../../services/engine/apiKeys.ts';
import { NotFoundError } from '../../services/errors.ts';
import { builder } from '../../schema/builder.ts';
import { ApiKeyRef, ApiKeyRoleEnum, CreatedApiKeyRef } from '../../schema/engine/apiKey.ts';
import { commonErrors } from '../../schema/errors.ts';

builder.queryField('apiKeys', (t) =>
  t.field({
    type: [ApiKeyRef],
    description: 'Every API key, live and revoked, oldest first.',
    authScopes: { admin: true },
    resolve: (_root, _args, context) => listApiKeys(context.services.db),
  }),
);

builder.mutationFields((t) => ({
  createApiKey: t.field({
    type: CreatedApiKeyRef,
    description: 'Creates a key and returns it, the only time it is shown. Once a live key exists, every client needs one (local GraphiQL too).',
    authScopes: { admin: true },
    errors: { types: commonErrors },
    args: {
      name: t.arg.string({ required: true, description: 'Who uses it: the actor recorded for everything done with it' }),
      role: t.arg({ type: ApiKeyRoleEnum, required: true }),
      reason: t.arg.string({ required: false }),
    },
    resolve: (_root, args, context) => createApiKey(context.services, { name: args.name, role: args.role }, actorOf(context, args.reason)),
  }),
  revokeApiKey: t.field({
    type: ApiKeyRef,
    description: 'Revokes the live key of that name: it is refused from now on, over HTTP and on every new subscription.',
    authScopes: { admin: true },
    errors: { types: [...commonErrors, NotFoundError] },
    args: { name: t.arg.string({ required: true }), reason: t.arg.string({ required: false }) },
    resolve: (_root, args, context) => revokeApiKey(context.services, args.name, actorOf(context, args.reason)),
  }),
}));
