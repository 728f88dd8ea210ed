// Writes schema.graphql, the printed SDL that is checked in: `npm run schema`.
import { writeFile } from 'node:fs/promises';
import { lexicographicSortSchema, printSchema } from 'graphql';
import { schema } from './index.ts';

export const printedSchema = () => `${printSchema(lexicographicSortSchema(schema))}\n`;

if (import.meta.url === `file://${process.argv[1]}`) {
  await writeFile(new URL('../../schema.graphql', import.meta.url), printedSchema());
  console.log('wrote schema.graphql');
}
