// The job kinds known anywhere: defined in this process's code, or announced by a worker (its
// stages and payload JSON Schema), each with the live workers that serve it now.
import { sql } from 'drizzle-orm';
import { query } from '../../../db/client.ts';
import type { ServiceContext } from '../../context.ts';
import type { Json } from '../types.ts';
import { describeKind, type KindDescription } from './registry.ts';

export interface KnownKind extends KindDescription {
  /** Defined in this process's code (built in, or a PRESSROOM_HANDLERS module it loaded). */
  definedHere: boolean;
  /** When a worker last announced it; null if none ever did. */
  announcedAt: Date | null;
  /** Ids of the running workers that have a handler for it. */
  servedBy: string[];
}

export async function listKinds(ctx: ServiceContext): Promise<KnownKind[]> {
  const [announced, workers] = await Promise.all([
    query<{ kind: string; stages: string[]; payload_schema: Json | null; updated_at: string }>(ctx.db, sql`select * from job_kinds`),
    query<{ id: string; kinds: string[] }>(ctx.db, sql`select id, kinds from workers where status = 'running' order by id`),
  ]);
  const servedBy = (kind: string) => workers.filter((w) => w.kinds.includes(kind)).map((w) => w.id);
  const kinds = new Map<string, KnownKind>();
  for (const row of announced) {
    kinds.set(row.kind, {
      kind: row.kind,
      stages: row.stages,
      payloadSchema: row.payload_schema,
      definedHere: false,
      announcedAt: new Date(row.updated_at),
      servedBy: servedBy(row.kind),
    });
  }
  // This process's own definition wins: it is the one its enqueues are checked against.
  for (const definition of ctx.kinds.list()) {
    kinds.set(definition.kind, {
      ...describeKind(definition),
      definedHere: true,
      announcedAt: kinds.get(definition.kind)?.announcedAt ?? null,
      servedBy: servedBy(definition.kind),
    });
  }
  return [...kinds.values()].sort((a, b) => a.kind.localeCompare(b.kind));
}
