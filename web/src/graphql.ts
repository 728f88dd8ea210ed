// gql.tada: every operation of the dashboard is typed from schema.graphql (graphql-env.d.ts is
// generated from it by web/scripts/introspection.ts); no result type is written by hand.
import { initGraphQLTada } from 'gql.tada';
import type { introspection } from './graphql-env.d.ts';

export const graphql = initGraphQLTada<{
  introspection: introspection;
  scalars: { DateTime: string; JSON: unknown; ID: string };
  disableMasking: true;
}>();

export type { FragmentOf, ResultOf, VariablesOf } from 'gql.tada';
