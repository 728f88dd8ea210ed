// Reference data upserts: production jobs, the operation catalogue, job operations, impositions
// with their files and operations, runlists. Idempotent: loading the same data twice changes
// nothing the second time. Used by GraphQL (upsertTrackingReference) and `pressroom tracking import`.
import { sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../../db/client.ts';
import { inTransaction, type ServiceContext } from '../context.ts';
import { appendHistory } from '../engine/history.ts';
import type { Actor } from '../engine/types.ts';
import { storableText } from '../storableJson.ts';
import { parseInput } from '../validate.ts';
import { jobIdOfFile } from './fileId.ts';

export const MAX_REFERENCE_ROWS = 10_000;

const id = (max = 200) => storableText().min(1, 'must not be empty').max(max);
const jobId = id(100).regex(/^\d+_\d+$/, 'a production job id has two numeric parts, such as 4604_5889');
const section = <T extends z.ZodType>(row: T) => z.array(row).max(MAX_REFERENCE_ROWS, `at most ${MAX_REFERENCE_ROWS} rows per section and call`).optional();

export const referenceInput = z
  .object({
    productionJobs: section(
      z.object({ jobId, versionTag: id(100).nullish(), name: id(500).nullish(), dueDate: z.coerce.date().nullish() }).strict(),
    ),
    operations: section(
      z
        .object({
          operationId: id(100),
          name: id(100),
          sequenceOrder: z.number().int().min(0).max(10_000).default(0),
          required: z.boolean().default(true),
        })
        .strict(),
    ),
    jobOperations: section(
      z.object({ jobId, operationId: id(100), sequenceOrder: z.number().int().min(0).max(10_000).nullish(), required: z.boolean().nullish() }).strict(),
    ),
    impositions: section(
      z
        .object({
          impositionId: id(),
          fileIds: z.array(id()).max(10_000).default([]),
          operationIds: z.array(id(100)).max(100).default([]),
        })
        .strict(),
    ),
    runlists: section(z.object({ runlistId: id(), impositionIds: z.array(id()).min(1).max(10_000) }).strict()),
  })
  .strict();

export type ReferenceInput = z.input<typeof referenceInput>;
type Parsed = z.output<typeof referenceInput>;

export interface ReferenceCounts {
  productionJobs: number;
  operations: number;
  jobOperations: number;
  impositions: number;
  files: number;
  runlistImpositions: number;
}

/** Upserts every section given, in one transaction; returns the rows given per section. */
export async function upsertTrackingReference(ctx: ServiceContext, input: ReferenceInput, by: Actor): Promise<ReferenceCounts> {
  const data = parseInput(referenceInput, input);
  return inTransaction(ctx, async (tx, emit) => {
    const counts = await upsertAll(tx, data);
    await appendHistory(tx, emit, [{ actor: by.actor, operation: 'upsertReference', targetType: 'tracking', targetId: 'reference', after: { ...counts }, reason: by.reason }]);
    return counts;
  });
}

/** One row per key, the last given: an upsert may not touch a row twice in one statement. */
const lastByKey = <T>(rows: T[] | undefined, key: (row: T) => string): T[] => [...new Map((rows ?? []).map((row) => [key(row), row])).values()];

async function upsertAll(tx: Db, data: Parsed): Promise<ReferenceCounts> {
  const json = (rows: unknown[]) => JSON.stringify(rows);
  const operations = lastByKey(data.operations, (o) => o.operationId);
  if (operations.length) {
    await tx.execute(sql`
      insert into tracking_operations (operation_id, name, sequence_order, required)
      select operation_id, name, sequence_order, required from jsonb_to_recordset(${json(operations.map((o) => ({ operation_id: o.operationId, name: o.name, sequence_order: o.sequenceOrder, required: o.required })))}::jsonb)
        as x(operation_id text, name text, sequence_order int, required boolean)
      on conflict (operation_id) do update set name = excluded.name, sequence_order = excluded.sequence_order, required = excluded.required`);
  }
  const jobs = lastByKey(data.productionJobs, (j) => j.jobId);
  if (jobs.length) {
    await tx.execute(sql`
      insert into production_jobs (job_id, version_tag, name, due_date)
      select job_id, version_tag, name, due_date from jsonb_to_recordset(${json(jobs.map((j) => ({ job_id: j.jobId, version_tag: j.versionTag ?? null, name: j.name ?? null, due_date: j.dueDate?.toISOString() ?? null })))}::jsonb)
        as x(job_id text, version_tag text, name text, due_date timestamptz)
      on conflict (job_id) do update set version_tag = excluded.version_tag, name = excluded.name, due_date = excluded.due_date, updated_at = now()
      where (production_jobs.version_tag, production_jobs.name, production_jobs.due_date) is distinct from (excluded.version_tag, excluded.name, excluded.due_date)`);
  }
  const jobOperations = lastByKey(data.jobOperations, (o) => `${o.jobId} ${o.operationId}`);
  if (jobOperations.length) {
    // Planned operations take the catalogue's order and required flag unless given.
    await tx.execute(sql`
      insert into production_job_operations (job_id, operation_id, sequence_order, required)
      select x.job_id, x.operation_id, coalesce(x.sequence_order, c.sequence_order, 0), coalesce(x.required, c.required, true)
      from jsonb_to_recordset(${json(jobOperations.map((o) => ({ job_id: o.jobId, operation_id: o.operationId, sequence_order: o.sequenceOrder ?? null, required: o.required ?? null })))}::jsonb)
        as x(job_id text, operation_id text, sequence_order int, required boolean)
      left join tracking_operations c on c.operation_id = x.operation_id
      on conflict (job_id, operation_id) do update set sequence_order = excluded.sequence_order, required = excluded.required`);
  }
  const impositions = data.impositions ?? [];
  const files = impositions.flatMap((i) => i.fileIds.map((fileId) => ({ imposition_id: i.impositionId, file_id: fileId, job_id: jobIdOfFile(fileId) })));
  if (impositions.length) {
    await tx.execute(sql`
      insert into impositions (imposition_id) select jsonb_array_elements_text(${json([...new Set(impositions.map((i) => i.impositionId))])}::jsonb)
      on conflict do nothing`);
    const operationsOf = impositions.flatMap((i) => i.operationIds.map((operationId) => ({ imposition_id: i.impositionId, operation_id: operationId })));
    if (operationsOf.length) {
      await tx.execute(sql`
        insert into imposition_operations (imposition_id, operation_id, sequence_order, required)
        select x.imposition_id, x.operation_id, coalesce(c.sequence_order, 0), coalesce(c.required, true)
        from jsonb_to_recordset(${json(operationsOf)}::jsonb) as x(imposition_id text, operation_id text)
        left join tracking_operations c on c.operation_id = x.operation_id
        on conflict do nothing`);
    }
  }
  if (files.length) {
    await tx.execute(sql`
      insert into imposition_files (imposition_id, file_id, job_id)
      select imposition_id, file_id, job_id from jsonb_to_recordset(${json(files)}::jsonb) as x(imposition_id text, file_id text, job_id text)
      on conflict do nothing`);
  }
  const runlistRows = (data.runlists ?? []).flatMap((r) => r.impositionIds.map((impositionId) => ({ runlist_id: r.runlistId, imposition_id: impositionId })));
  if (runlistRows.length) {
    await tx.execute(sql`
      insert into runlist_impositions (runlist_id, imposition_id)
      select runlist_id, imposition_id from jsonb_to_recordset(${json(runlistRows)}::jsonb) as x(runlist_id text, imposition_id text)
      on conflict do nothing`);
  }
  return {
    productionJobs: jobs.length,
    operations: operations.length,
    jobOperations: jobOperations.length,
    impositions: impositions.length,
    files: files.length,
    runlistImpositions: runlistRows.length,
  };
}
