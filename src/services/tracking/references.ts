// Reading the reference data while processing: imposition → files → production jobs, runlist →
// impositions, a job's runlist, the operation catalogue. Each look-up that finds the reference
// data wanting returns the reason the record is rejected. One ReferenceLookups serves one batch
// of records: what it read once it remembers (the batch's records share impositions, runlists
// and the catalogue), so a batch costs a few reads per distinct key, not per record.
import { sql } from 'drizzle-orm';
import { query, type Db } from '../../db/client.ts';
import { parseFileId } from './fileId.ts';
import { anyText } from './sqlLists.ts';

export type Found<T> = { ok: true; value: T } | { ok: false; reason: string };
const reject = (reason: string): { ok: false; reason: string } => ({ ok: false, reason });

interface FileRow {
  imposition_id: string;
  file_id: string;
  job_id: string | null;
  known: boolean;
}

export class ReferenceLookups {
  private readonly memo = new Map<string, Promise<unknown>>();

  constructor(private readonly tx: Db) {}

  private once<T>(key: string, read: () => Promise<T>): Promise<T> {
    let hit = this.memo.get(key) as Promise<T> | undefined;
    if (!hit) this.memo.set(key, (hit = read()));
    return hit;
  }

  /** The production jobs of the impositions' files; rejected when a file id is malformed or names no known production job. */
  jobsOfImpositions(impositionIds: string[]): Promise<Found<string[]>> {
    return this.once(`jobs ${JSON.stringify(impositionIds)}`, async () => this.judgeFiles(impositionIds, await this.filesOf(impositionIds)));
  }

  /** Reads the files of each imposition at once, for a batch of press events: one read instead of one per event. */
  async prefetchImpositions(impositionIds: string[]): Promise<void> {
    const unique = [...new Set(impositionIds)].filter((id) => !this.memo.has(`jobs ${JSON.stringify([id])}`));
    if (unique.length === 0) return;
    const files = await this.filesOf(unique);
    for (const id of unique) {
      this.memo.set(`jobs ${JSON.stringify([id])}`, this.judgeFiles([id], files.filter((f) => f.imposition_id === id)));
    }
  }

  private filesOf(impositionIds: string[]): Promise<FileRow[]> {
    if (impositionIds.length === 0) return Promise.resolve([]);
    return query<FileRow>(
      this.tx,
      sql`select f.imposition_id, f.file_id, f.job_id, (j.job_id is not null) as known
          from imposition_files f left join production_jobs j on j.job_id = f.job_id
          where f.imposition_id = ${anyText(impositionIds)}
          order by f.imposition_id, f.file_id`,
    );
  }

  private async judgeFiles(impositionIds: string[], files: FileRow[]): Promise<Found<string[]>> {
    for (const file of files) {
      const parsed = parseFileId(file.file_id);
      if (!parsed.ok) return reject(`malformed file id ${file.file_id} in imposition ${file.imposition_id}: ${parsed.problem}`);
      if (!file.known) return reject(`production job ${parsed.jobId} (file ${file.file_id}) does not exist`);
    }
    if (impositionIds.length === 1 && files.length === 0) return reject(await this.emptyImposition(impositionIds[0]!));
    return { ok: true, value: [...new Set(files.map((f) => f.job_id!))] };
  }

  private async emptyImposition(impositionId: string): Promise<string> {
    const [row] = await query<{ known: boolean }>(this.tx, sql`select exists (select 1 from impositions where imposition_id = ${impositionId}) as known`);
    return row!.known ? `imposition ${impositionId} has no files` : `unknown imposition ${impositionId}`;
  }

  /** The impositions of a runlist; empty when the runlist is unknown. */
  impositionsOfRunlist(runlistId: string): Promise<string[]> {
    return this.once(`runlist ${runlistId}`, async () => {
      const rows = await query<{ imposition_id: string }>(
        this.tx,
        sql`select imposition_id from runlist_impositions where runlist_id = ${runlistId} order by imposition_id`,
      );
      return rows.map((r) => r.imposition_id);
    });
  }

  /** The production job's version tag and the runlist it was last planned on (through its files' impositions), or not found. */
  productionJob(jobId: string): Promise<Found<{ versionTag: string | null; runlistId: string | null }>> {
    return this.once(`job ${jobId}`, async () => {
      const [row] = await query<{ version_tag: string | null; runlist_id: string | null }>(
        this.tx,
        sql`select j.version_tag,
                   (select r.runlist_id from runlist_impositions r join imposition_files f on f.imposition_id = r.imposition_id
                    where f.job_id = j.job_id order by r.created_at desc, r.runlist_id desc limit 1) as runlist_id
            from production_jobs j where j.job_id = ${jobId}`,
      );
      return row ? { ok: true, value: { versionTag: row.version_tag, runlistId: row.runlist_id } } : reject(`production job ${jobId} does not exist`);
    });
  }

  /** Maps operation names (or ids) through the catalogue; rejected on the first unknown one. */
  async catalogueOperations(names: string[]): Promise<Found<{ operationId: string; name: string }[]>> {
    const catalogue = await this.once('catalogue', () => query<{ operation_id: string; name: string }>(this.tx, sql`select operation_id, name from tracking_operations`));
    const found: { operationId: string; name: string }[] = [];
    for (const name of names) {
      const row = catalogue.find((r) => r.name === name) ?? catalogue.find((r) => r.operation_id === name);
      if (!row) return reject(`unknown operation ${name} (not in the operation catalogue)`);
      found.push({ operationId: row.operation_id, name: row.name });
    }
    return { ok: true, value: found };
  }
}
