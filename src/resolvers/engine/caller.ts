// Who the API takes the caller for: a client (the dashboard) shows only the actions its key's role allows.
import type { Caller } from '../../api/context.ts';
import { builder } from '../../schema/builder.ts';
import { ApiKeyRoleEnum } from '../../schema/engine/apiKey.ts';

const CallerRef = builder.objectRef<Caller>('Caller').implement({
  description: 'The API key a request is made with (or the local admin on loopback while no key exists).',
  fields: (t) => ({
    name: t.exposeString('name', { description: "The key's name, recorded as the actor of every change" }),
    role: t.expose('role', { type: ApiKeyRoleEnum, nullable: true, description: 'What the key may do (a request without a live key is refused before it gets here)' }),
  }),
});

builder.queryFields((t) => ({
  caller: t.field({
    type: CallerRef,
    description: 'Who this request is made as, and with which role.',
    authScopes: { viewer: true },
    resolve: (_root, _args, context) => context.caller,
  }),
}));
