// schema.graphql is the checked-in SDL that clients and reviewers read: it must be the schema the
// code builds.
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { printedSchema } from '../src/schema/writeSchemaFile.ts';

describe('schema.graphql', () => {
  it('matches the schema the code builds', async () => {
    const file = await readFile(new URL('../schema.graphql', import.meta.url), 'utf8');
    expect(file, 'schema.graphql is out of date: run `npm run schema` and commit the result').toBe(printedSchema());
  });
});
