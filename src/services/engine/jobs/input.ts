// The shape of enqueue requests, validated before anything is written.
import { z } from 'zod';
import { storableJson, storableJsonObject, storableText } from '../../storableJson.ts';

const name = (what: string) =>
  z
    .string()
    .min(1, `${what} must not be empty`)
    .max(100, `${what} must be at most 100 characters`)
    .regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]*$/, `${what} may hold letters, digits and _ . : - only`);

const MAX_PAYLOAD_BYTES = 1_000_000;

export const backoffInput = z.object({
  strategy: z.enum(['exponential', 'fixed']).optional(),
  baseMs: z.number().int().min(0).max(86_400_000).optional(),
  maxMs: z.number().int().min(0).max(7 * 86_400_000).optional(),
  jitter: z.number().min(0).max(1).optional(),
});

const item = z.union([
  storableText().min(1).max(500),
  z.object({ key: storableText().min(1).max(500), payload: storableJson.optional() }),
]);

export const enqueueInput = z
  .object({
    kind: name('kind'),
    queue: name('queue').default('default'),
    payload: storableJsonObject
      .default({})
      .refine((p) => JSON.stringify(p).length <= MAX_PAYLOAD_BYTES, 'payload must be at most 1 MB as JSON'),
    priority: z.number().int().min(-1000).max(1000).default(0),
    runAt: z.coerce.date().optional(),
    delayMs: z.number().int().min(0).max(366 * 86_400_000).optional(),
    maxAttempts: z.number().int().min(1).max(100).optional(),
    backoff: backoffInput.optional(),
    dedupeKey: storableText().min(1).max(200).optional(),
    governorKey: name('governorKey').optional(),
    items: z.array(item).max(100_000, 'at most 100000 items per job').optional(),
    /** Enqueue even when no handler in code defines the kind and no worker announced it (one not started yet). */
    allowUnknownKind: z.boolean().optional(),
  })
  .strict()
  .refine((i) => !(i.runAt && i.delayMs !== undefined), { message: 'give runAt or delayMs, not both', path: ['delayMs'] });

export type EnqueueInput = z.input<typeof enqueueInput>;
export type ParsedEnqueueInput = z.output<typeof enqueueInput>;
