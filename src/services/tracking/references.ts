// Reading the reference data while processing: imposition → files → production jobs, runlist →
// impositions, a job's runlist, the operation catalogue. Each look-up that finds the reference
// data wanting returns the reason the record is rejected.
import { sql } from 'drizzle-orm';
import { query, type Db } from '../../db/client.ts';
import { parseFileId } from './fileId.ts';

export type Found<T> = { ok: true; value: T } | { ok: false; reason: string };
const reject = (reason: string): { ok: false; reason: string } => ({ ok: false, reason });

interface FileRow {
  imposition_id: string;
  file_id: string;
  job_id: string | null;
  known: boolean;
}

/** The production jobs of the impositions' files; rejected when a file id is malformed or names no known production job. */
export async function jobsOfImpositions(tx: Db, impositionIds: string[]): Promise<Found<string[]>> {
  if (impositionIds.length === 0) return { ok: true, value: [] };
  const files = await query<FileRow>(
    tx,
    sql`select f.imposition_id, f.file_id, f.job_id, (j.job_id is not null) as known
        from imposition_files f left join production_jobs j on j.job_id = f.job_id
        where f.imposition_id in (select jsonb_array_elements_text(${JSON.stringify(impositionIds)}::jsonb))
        order by f.imposition_id, f.file_id`,
  );
  for (const file of files) {
    const parsed = parseFileId(file.file_id);
    if (!parsed.ok) return reject(`malformed file id ${file.file_id} in imposition ${file.imposition_id}: ${parsed.problem}`);
    if (!file.known) return reject(`production job ${parsed.jobId} (file ${file.file_id}) does not exist`);
  }
  return { ok: true, value: [...new Set(files.map((f) => f.job_id!))] };
}

/** The files of one imposition must exist for a press event to mean anything. */
export async function impositionProblem(tx: Db, impositionId: string): Promise<string | null> {
  const [row] = await query<{ known: boolean; files: number }>(
    tx,
    sql`select exists (select 1 from impositions where imposition_id = ${impositionId}) as known,
               (select count(*)::int from imposition_files where imposition_id = ${impositionId}) as files`,
  );
  if (row!.files > 0) return null;
  return row!.known ? `imposition ${impositionId} has no files` : `unknown imposition ${impositionId}`;
}

/** The impositions of a runlist; empty when the runlist is unknown. */
export async function impositionsOfRunlist(tx: Db, runlistId: string): Promise<string[]> {
  const rows = await query<{ imposition_id: string }>(
    tx,
    sql`select imposition_id from runlist_impositions where runlist_id = ${runlistId} order by imposition_id`,
  );
  return rows.map((r) => r.imposition_id);
}

/** The runlist a production job was last planned on (through its files' impositions), or null. */
export async function runlistOfJob(tx: Db, jobId: string): Promise<string | null> {
  const [row] = await query<{ runlist_id: string }>(
    tx,
    sql`select r.runlist_id from runlist_impositions r
        join imposition_files f on f.imposition_id = r.imposition_id
        where f.job_id = ${jobId}
        order by r.created_at desc, r.runlist_id desc limit 1`,
  );
  return row?.runlist_id ?? null;
}

export async function productionJobVersion(tx: Db, jobId: string): Promise<Found<string | null>> {
  const [row] = await query<{ version_tag: string | null }>(tx, sql`select version_tag from production_jobs where job_id = ${jobId}`);
  return row ? { ok: true, value: row.version_tag } : reject(`production job ${jobId} does not exist`);
}

/** Maps operation names (or ids) through the catalogue; rejected on the first unknown one. */
export async function catalogueOperations(tx: Db, names: string[]): Promise<Found<{ operationId: string; name: string }[]>> {
  const rows = await query<{ operation_id: string; name: string }>(
    tx,
    sql`select operation_id, name from tracking_operations
        where name in (select jsonb_array_elements_text(${JSON.stringify(names)}::jsonb))
           or operation_id in (select jsonb_array_elements_text(${JSON.stringify(names)}::jsonb))`,
  );
  const found: { operationId: string; name: string }[] = [];
  for (const name of names) {
    const row = rows.find((r) => r.name === name) ?? rows.find((r) => r.operation_id === name);
    if (!row) return reject(`unknown operation ${name} (not in the operation catalogue)`);
    found.push({ operationId: row.operation_id, name: row.name });
  }
  return { ok: true, value: found };
}
