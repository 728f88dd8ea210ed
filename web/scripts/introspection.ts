// Writes web/src/graphql-env.d.ts, the schema's introspection as a type, from schema.graphql:
// gql.tada types every operation of the dashboard from it. Run by `npm run build:web` and
// `npm run typecheck`; the file is generated, never committed.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { buildSchema, introspectionFromSchema } from 'graphql';

const root = fileURLToPath(new URL('../..', import.meta.url));
const schema = buildSchema(readFileSync(`${root}schema.graphql`, 'utf8'));
const introspection = introspectionFromSchema(schema, { descriptions: false });
// JSON is also a TypeScript type literal: strings become string literal types, as gql.tada wants.
writeFileSync(
  `${root}web/src/graphql-env.d.ts`,
  `// Generated from schema.graphql by web/scripts/introspection.ts; do not edit.\nexport type introspection = ${JSON.stringify(introspection)};\n`,
);
