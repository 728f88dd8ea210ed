// API keys as the API shows them: never the key itself, except once, when it is created.
import { KEYS_LOCK_GRAPHIQL } from '../../api/keysNotice.ts';
import { ROLES, type ApiKey } from '../../services/engine/apiKeys.ts';
import { builder } from '../builder.ts';

export const ApiKeyRoleEnum = builder.enumType('ApiKeyRole', { values: ROLES });

export const ApiKeyRef = builder.objectRef<ApiKey>('ApiKey').implement({
  description: 'Who may call the API, with which role. The name is the actor recorded for everything done with the key.',
  fields: (t) => ({
    name: t.exposeString('name'),
    role: t.field({ type: ApiKeyRoleEnum, resolve: (key) => key.role }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    revokedAt: t.expose('revokedAt', { type: 'DateTime', nullable: true }),
    lastUsedAt: t.expose('lastUsedAt', { type: 'DateTime', nullable: true, description: 'Updated at most once a minute.' }),
  }),
});

export const CreatedApiKeyRef = builder.objectRef<{ key: string; apiKey: ApiKey }>('CreatedApiKey').implement({
  fields: (t) => ({
    key: t.exposeString('key', { description: 'The key itself: shown only now; only its hash is stored.' }),
    apiKey: t.field({ type: ApiKeyRef, resolve: (created) => created.apiKey }),
    notice: t.string({ description: 'What a live key changes: every client needs one from now on, GraphiQL on this machine too.', resolve: () => KEYS_LOCK_GRAPHIQL }),
  }),
});
