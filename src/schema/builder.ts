// The Pothos builder: plugins and shared configuration only. Types live in their own files and
// are pulled together by schema/index.ts.
import SchemaBuilder from '@pothos/core';
import ErrorsPlugin from '@pothos/plugin-errors';
import RelayPlugin from '@pothos/plugin-relay';
import ScopeAuthPlugin, { AuthScopeFailureType, type AuthFailure } from '@pothos/plugin-scope-auth';
import ValidationPlugin from '@pothos/plugin-validation';
import { refusalOf, type ApiContext } from '../api/context.ts';
import { ForbiddenError } from '../services/errors.ts';

export const builder = new SchemaBuilder<{
  Context: ApiContext;
  DefaultFieldNullability: false;
  Scalars: {
    DateTime: { Input: Date; Output: Date };
    JSON: { Input: unknown; Output: unknown };
  };
  AuthScopes: { viewer: boolean; operator: boolean; admin: boolean; ingest: boolean };
}>({
  // The errors plugin wraps scope-auth, so that a ForbiddenError is returned as data by the
  // mutations that list it (listed after scope-auth, it never sees the error scope-auth throws).
  plugins: [ErrorsPlugin, ScopeAuthPlugin, ValidationPlugin, RelayPlugin],
  defaultFieldNullability: false,
  relay: { clientMutationId: 'omit', cursorType: 'String', nodeQueryOptions: { authScopes: { viewer: true } }, nodesQueryOptions: { authScopes: { viewer: true } } },
  scopeAuth: {
    // Subscriptions are authorised once, when they start, not on every event they deliver.
    authorizeOnSubscribe: true,
    authScopes: (context) => ({
      // An ingest key (a device's) reads nothing: it only records tracking events.
      viewer: context.caller.role !== null && context.caller.role !== 'ingest',
      ingest: context.caller.role === 'ingest' || context.caller.role === 'operator' || context.caller.role === 'admin',
      operator: context.caller.role === 'operator' || context.caller.role === 'admin',
      admin: context.caller.role === 'admin',
    }),
    unauthorizedError: (_parent, context, info, result) =>
      new ForbiddenError(
        context.caller.role === null
          ? refusalOf(context.caller)
          : `your key's role (${context.caller.role}) may not use ${info.fieldName}${neededRole(result.failure) ? `: it needs the ${neededRole(result.failure)} role` : ''}`,
      ),
  },
  errors: { directResult: true },
});

builder.queryType({});
builder.mutationType({});
builder.subscriptionType({});

/** The lowest role a refused field asks for, from scope-auth's account of the refusal. */
function neededRole(failure: AuthFailure): string | null {
  if (failure.kind === AuthScopeFailureType.AuthScope) return failure.scope;
  if (failure.kind === AuthScopeFailureType.AnyAuthScopes || failure.kind === AuthScopeFailureType.AllAuthScopes) {
    for (const inner of failure.failures) {
      const role = neededRole(inner);
      if (role) return role;
    }
  }
  return null;
}
