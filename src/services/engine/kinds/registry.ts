// The job kinds this process knows from code: the built-in handlers (the domains' kinds included,
// src/handlers/index.ts) and PRESSROOM_HANDLERS modules, known before any worker starts. Each has
// its stages and its payload's zod schema, which enqueue checks a payload against. Kinds defined
// only in worker processes elsewhere are known once such a worker announced them (job_kinds).
import { z } from 'zod';
import type { Json } from '../types.ts';

/** What a kind declares; a worker's JobHandler is one. */
export interface KindDefinition {
  kind: string;
  stages?: string[];
  payload?: z.ZodType;
  /**
   * Enqueued by the engine itself only (a bulk job acts for the caller who asked for it, with that
   * caller's rights checked then): enqueueJob refuses it from anyone else.
   */
  internal?: boolean;
  /**
   * The governor this kind owns (the print cycle's `print`): a job under it must be of this kind,
   * so no other job can hold it or be its pending run.
   */
  governor?: string;
}

export interface KindDescription {
  kind: string;
  stages: string[];
  /** The payload's JSON Schema (the input side: fields with defaults are optional); null when the kind takes any payload. */
  payloadSchema: Json | null;
}

export class KindRegistry {
  private readonly definitions = new Map<string, KindDefinition>();
  /** Kinds found announced by a worker: a kind once served stays known for this process's life. */
  readonly announced = new Set<string>();

  constructor(definitions: KindDefinition[]) {
    for (const definition of definitions) this.definitions.set(definition.kind, definition);
  }

  get(kind: string): KindDefinition | undefined {
    return this.definitions.get(kind);
  }

  /** The kind that owns the governor `name`, if one does. */
  governorOwner(name: string): string | undefined {
    return [...this.definitions.values()].find((definition) => definition.governor === name)?.kind;
  }

  list(): KindDefinition[] {
    return [...this.definitions.values()].sort((a, b) => a.kind.localeCompare(b.kind));
  }
}

export function describeKind(definition: KindDefinition): KindDescription {
  return { kind: definition.kind, stages: definition.stages ?? [], payloadSchema: payloadJsonSchema(definition.payload) };
}

function payloadJsonSchema(schema: z.ZodType | undefined): Json | null {
  if (!schema) return null;
  try {
    // Whatever JSON Schema cannot say (a transform, a custom check) is left open rather than refused.
    return z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Json;
  } catch {
    return {};
  }
}
