// JSON input as PostgreSQL can store it, checked before anything is written: jsonb refuses the
// NUL character and overflows its stack on very deep nesting, and a recursive check in
// JavaScript would overflow ours first. This one walks the value without recursion.
import { z } from 'zod';
import type { Json, JsonObject } from './engine/types.ts';

export const MAX_JSON_DEPTH = 100;
const NUL = 'contains the NUL character (\\u0000), which PostgreSQL cannot store';

const hasNul = (text: string) => text.includes('\0');

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && [Object.prototype, null].includes(Object.getPrototypeOf(value));

/** What keeps `value` from being stored as jsonb, or null when nothing does. */
export function jsonProblem(value: unknown): string | null {
  const pending: { value: unknown; depth: number }[] = [{ value, depth: 0 }];
  while (pending.length > 0) {
    const { value, depth } = pending.pop()!;
    if (depth > MAX_JSON_DEPTH) return `nests deeper than ${MAX_JSON_DEPTH} levels`;
    if (value === null || typeof value === 'boolean') continue;
    if (typeof value === 'number') {
      if (!Number.isFinite(value)) return 'holds a number JSON cannot represent';
    } else if (typeof value === 'string') {
      if (hasNul(value)) return NUL;
    } else if (Array.isArray(value)) {
      for (const element of value) pending.push({ value: element, depth: depth + 1 });
    } else if (isPlainObject(value)) {
      for (const [key, element] of Object.entries(value)) {
        if (hasNul(key)) return NUL;
        pending.push({ value: element, depth: depth + 1 });
      }
    } else return 'is not JSON';
  }
  return null;
}

const refineStorable = (value: unknown, ctx: z.RefinementCtx) => {
  const problem = jsonProblem(value);
  // continue: false: later checks (a size limit, say) would stringify what cannot be stringified.
  if (problem) ctx.addIssue({ code: 'custom', message: `must be JSON that can be stored: it ${problem}`, continue: false });
};

/** Any JSON value. */
export const storableJson = z.custom<Json>(() => true).superRefine(refineStorable);

/** A JSON object (a payload). */
export const storableJsonObject = z.custom<JsonObject>(isPlainObject, 'expected a JSON object').superRefine(refineStorable);

/** A string without the NUL character. */
export const storableText = () => z.string().refine((text) => !hasNul(text), `the text ${NUL}`);
