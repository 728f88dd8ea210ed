// Reading the reference data while processing: imposition → files → production jobs, runlist →
// impositions, a job's runlist, the operation catalogue. Each look-up that finds the reference
// data wanting returns the reason the record is rejected. One ReferenceLookups serves one batch
// of records: the batch's keys are loaded up front, a few statements for the whole batch
// (loadImpositions, loadScanCodes), after which every look-up of a record is answered from memory.
import { sql } from 'drizzle-orm';
import { query, type Db } from '../../db/client.ts';
import { parseFileId, parseJobCode } from './fileId.ts';
import { anyText } from './sqlLists.ts';

export type Found<T> = { ok: true; value: T } | { ok: false; reason: string };
const reject = (reason: string): { ok: false; reason: string } => ({ ok: false, reason });

interface FileRow {
  file_id: string;
  job_id: string | null;
  /** The production job exists. */
  known: boolean;
}

interface ImpositionFiles {
  /** The imposition exists. */
  known: boolean;
  files: FileRow[];
}

type JobRow = { versionTag: string | null; runlistId: string | null };

export class ReferenceLookups {
  private readonly impositions = new Map<string, ImpositionFiles>();
  private readonly runlists = new Map<string, string[]>();
  private readonly jobs = new Map<string, JobRow | null>();
  private readonly judged = new Map<string, Found<string[]>>();
  private catalogue: Promise<{ operation_id: string; name: string }[]> | undefined;

  constructor(private readonly tx: Db) {}

  /** Reads the files of every imposition not read yet, in one statement. */
  async loadImpositions(impositionIds: string[]): Promise<void> {
    const missing = [...new Set(impositionIds)].filter((id) => !this.impositions.has(id));
    if (missing.length === 0) return;
    const rows = await query<{ imposition_id: string; known: boolean; file_id: string | null; job_id: string | null; job_known: boolean }>(
      this.tx,
      sql`select i.id as imposition_id, exists (select 1 from impositions x where x.imposition_id = i.id) as known,
                 f.file_id, f.job_id, (j.job_id is not null) as job_known
          from unnest(array(select jsonb_array_elements_text(${JSON.stringify(missing)}::jsonb))) as i(id)
          left join imposition_files f on f.imposition_id = i.id
          left join production_jobs j on j.job_id = f.job_id
          order by i.id, f.file_id`,
    );
    for (const id of missing) this.impositions.set(id, { known: false, files: [] });
    for (const row of rows) {
      const entry = this.impositions.get(row.imposition_id)!;
      entry.known = row.known;
      if (row.file_id !== null) entry.files.push({ file_id: row.file_id, job_id: row.job_id, known: row.job_known });
    }
  }

  /**
   * Reads what a batch of scan codes can name, in up to four statements: the codes as runlists,
   * the production jobs of `<job id>_<version tag>` codes with their runlists, those runlists'
   * impositions, and the files of every imposition reached.
   */
  async loadScanCodes(codes: string[]): Promise<void> {
    await this.loadRunlists(codes);
    const jobIds = codes.filter((code) => (this.runlists.get(code) ?? []).length === 0).flatMap((code) => parseJobCode(code)?.jobId ?? []);
    await this.loadProductionJobs(jobIds);
    await this.loadRunlists(jobIds.flatMap((id) => this.jobs.get(id)?.runlistId ?? []));
    await this.loadImpositions([...this.runlists.values()].flat());
  }

  private async loadRunlists(runlistIds: string[]): Promise<void> {
    const missing = [...new Set(runlistIds)].filter((id) => !this.runlists.has(id));
    if (missing.length === 0) return;
    const rows = await query<{ runlist_id: string; imposition_id: string }>(
      this.tx,
      sql`select runlist_id, imposition_id from runlist_impositions where runlist_id = ${anyText(missing)} order by runlist_id, imposition_id`,
    );
    for (const id of missing) this.runlists.set(id, []);
    for (const row of rows) this.runlists.get(row.runlist_id)!.push(row.imposition_id);
  }

  private async loadProductionJobs(jobIds: string[]): Promise<void> {
    const missing = [...new Set(jobIds)].filter((id) => !this.jobs.has(id));
    if (missing.length === 0) return;
    const rows = await query<{ job_id: string; version_tag: string | null; runlist_id: string | null }>(
      this.tx,
      // One join for the batch (a sub-select per production job would scan the runlists once for each).
      sql`select j.job_id, j.version_tag, latest.runlist_id
          from production_jobs j
          left join (
            select distinct on (f.job_id) f.job_id, r.runlist_id
            from imposition_files f join runlist_impositions r on r.imposition_id = f.imposition_id
            where f.job_id = ${anyText(missing)}
            order by f.job_id, r.created_at desc, r.runlist_id desc
          ) latest on latest.job_id = j.job_id
          where j.job_id = ${anyText(missing)}`,
    );
    for (const id of missing) this.jobs.set(id, null);
    for (const row of rows) this.jobs.set(row.job_id, { versionTag: row.version_tag, runlistId: row.runlist_id });
  }

  /** The production jobs of the impositions' files; rejected when a file id is malformed or names no known production job. */
  async jobsOfImpositions(impositionIds: string[]): Promise<Found<string[]>> {
    await this.loadImpositions(impositionIds);
    // A batch's scans reach the same runlists again and again: judged once each.
    const key = JSON.stringify(impositionIds);
    let judged = this.judged.get(key);
    if (!judged) this.judged.set(key, (judged = this.judgeFiles(impositionIds)));
    return judged;
  }

  private judgeFiles(impositionIds: string[]): Found<string[]> {
    const files = impositionIds.flatMap((id) => this.impositions.get(id)!.files.map((file) => ({ ...file, imposition_id: id })));
    for (const file of files) {
      const parsed = parseFileId(file.file_id);
      if (!parsed.ok) return reject(`malformed file id ${file.file_id} in imposition ${file.imposition_id}: ${parsed.problem}`);
      if (!file.known) return reject(`production job ${parsed.jobId} (file ${file.file_id}) does not exist`);
    }
    if (impositionIds.length === 1 && files.length === 0) {
      const id = impositionIds[0]!;
      return reject(this.impositions.get(id)!.known ? `imposition ${id} has no files` : `unknown imposition ${id}`);
    }
    return { ok: true, value: [...new Set(files.map((f) => f.job_id!))] };
  }

  /** The impositions of a runlist; empty when the runlist is unknown. */
  async impositionsOfRunlist(runlistId: string): Promise<string[]> {
    await this.loadRunlists([runlistId]);
    return this.runlists.get(runlistId)!;
  }

  /** The production job's version tag and the runlist it was last planned on (through its files' impositions), or not found. */
  async productionJob(jobId: string): Promise<Found<JobRow>> {
    await this.loadProductionJobs([jobId]);
    const row = this.jobs.get(jobId);
    return row ? { ok: true, value: row } : reject(`production job ${jobId} does not exist`);
  }

  /** Maps operation names (or ids) through the catalogue; rejected on the first unknown one. */
  async catalogueOperations(names: string[]): Promise<Found<{ operationId: string; name: string }[]>> {
    this.catalogue ??= query<{ operation_id: string; name: string }>(this.tx, sql`select operation_id, name from tracking_operations`);
    const catalogue = await this.catalogue;
    const found: { operationId: string; name: string }[] = [];
    for (const name of names) {
      const row = catalogue.find((r) => r.name === name) ?? catalogue.find((r) => r.operation_id === name);
      if (!row) return reject(`unknown operation ${name} (not in the operation catalogue)`);
      found.push({ operationId: row.operation_id, name: row.name });
    }
    return { ok: true, value: found };
  }
}
