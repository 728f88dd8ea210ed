// Enqueue's check of a job's kind and payload: a kind defined in code gets its payload checked
// against the kind's zod schema (issues name the field, `payload.pages`); a kind only announced by
// a worker elsewhere is accepted (its worker checks the payload when it runs); any other kind is
// refused unless the caller opted out with allowUnknownKind.
import { sql } from 'drizzle-orm';
import { query } from '../../../db/client.ts';
import type { ServiceContext } from '../../context.ts';
import { InvalidInputError, UnknownKindError, type PressroomError } from '../../errors.ts';
import type { KindDefinition } from './registry.ts';

export interface KindCheckInput {
  kind: string;
  payload: unknown;
  allowUnknownKind?: boolean;
  governorKey?: string | null;
}

/** One problem (or null) per input, in order. `engine`: the engine's own enqueue, which may use internal kinds. */
export async function kindProblems(ctx: ServiceContext, inputs: KindCheckInput[], engine = false): Promise<(PressroomError | null)[]> {
  await learnAnnouncedKinds(ctx, inputs);
  return inputs.map((input) => {
    const definition = ctx.kinds.get(input.kind);
    if (definition?.internal && !engine) {
      return new InvalidInputError([{ path: 'kind', message: `${input.kind} jobs are started by the engine only (a bulk operation: retryJobs, cancelJobs, deleteJobs, clearJobs)` }]);
    }
    const governorProblem = governorOwnerProblem(ctx, input.kind, input.governorKey);
    if (governorProblem) return governorProblem;
    if (definition) return payloadProblem(definition, input.payload);
    if (input.allowUnknownKind || ctx.kinds.announced.has(input.kind)) return null;
    return new UnknownKindError(input.kind);
  });
}

/** A job of `kind` under a governor another kind owns: refused, so that only the owner's jobs hold it or wait for it. */
export function governorOwnerProblem(ctx: ServiceContext, kind: string, governorKey: string | null | undefined): InvalidInputError | null {
  const owner = governorKey ? ctx.kinds.governorOwner(governorKey) : undefined;
  if (owner === undefined || owner === kind) return null;
  return new InvalidInputError([{ path: 'governorKey', message: `the governor ${governorKey} is ${owner}'s: only ${owner} jobs run under it` }]);
}

export async function assertKindsKnown(ctx: ServiceContext, inputs: KindCheckInput[], engine = false): Promise<void> {
  const problem = (await kindProblems(ctx, inputs, engine)).find((p) => p !== null);
  if (problem) throw problem;
}

/** Looks up, once per kind, the kinds this process's code does not define in what workers announced. */
async function learnAnnouncedKinds(ctx: ServiceContext, inputs: KindCheckInput[]) {
  const unseen = [...new Set(inputs.filter((i) => !i.allowUnknownKind).map((i) => i.kind))].filter(
    (kind) => !ctx.kinds.get(kind) && !ctx.kinds.announced.has(kind),
  );
  if (unseen.length === 0) return;
  const rows = await query<{ kind: string }>(
    ctx.db,
    sql`select kind from job_kinds where kind in (select jsonb_array_elements_text(${JSON.stringify(unseen)}::jsonb))`,
  );
  for (const row of rows) ctx.kinds.announced.add(row.kind);
}

function payloadProblem(definition: KindDefinition, payload: unknown): PressroomError | null {
  if (!definition.payload) return null;
  let result: ReturnType<NonNullable<KindDefinition['payload']>['safeParse']>;
  try {
    result = definition.payload.safeParse(payload);
  } catch {
    // An asynchronous refinement: the worker checks it when the job runs.
    return null;
  }
  if (result.success) return null;
  return new InvalidInputError(
    result.error.issues.map((issue) => ({ path: ['payload', ...issue.path.map(String)].join('.'), message: issue.message })),
  );
}
