import type { z } from 'zod';
import { InvalidInputError } from './errors.ts';

/** Parses input with a zod schema; bad input becomes an InvalidInputError naming each field path. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw inputErrorFrom(result.error);
}

export function inputErrorFrom(error: z.ZodError): InvalidInputError {
  return new InvalidInputError(error.issues.map((issue) => ({ path: issue.path.map(String).join('.'), message: issue.message })));
}
