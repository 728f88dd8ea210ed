// Reading the reference data while processing: imposition → files → production jobs, runlist →
// impositions, a job's runlist, the operation catalogue. Each look-up that finds the reference
// data wanting returns the reason the record is rejected. One ReferenceLookups serves one batch
// of records: the batch's keys are loaded up front, a few statements for the whole batch
// (loadImpositions, loadScanCodes), after which every look-up of a record is answered from memory.
import { type SQL, sql } from 'drizzle-orm';
import { query, type Db } from '../../db/client.ts';
import { parseFileId, parseJobCode } from './fileId.ts';
import { anyText } from './sqlLists.ts';

export type Found<T> = { ok: true; value: T } | { ok: false; reason: string };
const reject = (reason: string): { ok: false; reason: string } => ({ ok: false, reason });

function judged(row: TargetRow): Found<string[]> {
  if (row.bad_file !== null) {
    const parsed = parseFileId(row.bad_file);
    return reject(
      parsed.ok
        ? `production job ${parsed.jobId} (file ${row.bad_file}) does not exist`
        : `malformed file id ${row.bad_file} in imposition ${row.bad_imposition}: ${parsed.problem}`,
    );
  }
  const jobs = row.jobs ?? [];
  if (row.impositions === 1 && jobs.length === 0) {
    return reject(row.first_known ? `imposition ${row.first_imposition} has no files` : `unknown imposition ${row.first_imposition}`);
  }
  return { ok: true, value: jobs };
}

/** What a group of impositions (one imposition, or a runlist's) comes to: its production jobs, or why not. */
interface Target {
  /** How many impositions the group has (0: a runlist that does not exist). */
  impositions: number;
  jobs: Found<string[]>;
}

interface TargetRow {
  group_id: string;
  impositions: number;
  jobs: string[] | null;
  /** The first file (in imposition, file order) with a malformed id or an unknown production job. */
  bad_file: string | null;
  bad_imposition: string | null;
  first_imposition: string | null;
  /** Whether the group's first imposition exists (said of a lone imposition without files). */
  first_known: boolean;
}

type JobRow = { versionTag: string | null; runlistId: string | null };

export class ReferenceLookups {
  private readonly impositions = new Map<string, Target>();
  private readonly runlists = new Map<string, Target>();
  private readonly jobs = new Map<string, JobRow | null>();
  private catalogue: Promise<{ operation_id: string; name: string }[]> | undefined;

  constructor(private readonly tx: Db) {}

  /** Judges the files of every imposition not judged yet, in one statement. */
  async loadImpositions(impositionIds: string[]): Promise<void> {
    const missing = [...new Set(impositionIds)].filter((id) => !this.impositions.has(id));
    if (missing.length === 0) return;
    const list = sql`array(select jsonb_array_elements_text(${JSON.stringify(missing)}::jsonb))`;
    await this.judge(this.impositions, missing, sql`select id, id from unnest(${list}) as i(id)`);
  }

  /** Judges the files of every runlist not judged yet (all its impositions together), in one statement. */
  private async loadRunlists(runlistIds: string[]): Promise<void> {
    const missing = [...new Set(runlistIds)].filter((id) => !this.runlists.has(id));
    if (missing.length === 0) return;
    await this.judge(this.runlists, missing, sql`select runlist_id, imposition_id from runlist_impositions where runlist_id = ${anyText(missing)}`);
  }

  /**
   * Per group of impositions (`members` gives group id, imposition id): its production jobs, or
   * the reason to reject: the first file, in imposition and file order, whose id is malformed
   * (no production job parsed from it when it was loaded) or names no production job; a lone
   * imposition without files. Counted in SQL, one row per group.
   */
  private async judge(into: Map<string, Target>, ids: string[], members: SQL): Promise<void> {
    const rows = await query<TargetRow>(
      this.tx,
      sql`with members (group_id, imposition_id) as (${members}),
          files as (
            select m.group_id, m.imposition_id, f.file_id, f.job_id, (f.file_id is not null and j.job_id is null) as bad
            from members m
            left join imposition_files f on f.imposition_id = m.imposition_id
            left join production_jobs j on j.job_id = f.job_id)
          select group_id, count(distinct imposition_id)::int as impositions,
                 array_agg(distinct job_id) filter (where job_id is not null) as jobs,
                 (array_agg(file_id order by imposition_id, file_id) filter (where bad))[1] as bad_file,
                 (array_agg(imposition_id order by imposition_id, file_id) filter (where bad))[1] as bad_imposition,
                 min(imposition_id) as first_imposition,
                 exists (select 1 from impositions i where i.imposition_id = min(files.imposition_id)) as first_known
          from files group by group_id`,
    );
    for (const id of ids) into.set(id, { impositions: 0, jobs: { ok: true, value: [] } });
    for (const row of rows) into.set(row.group_id, { impositions: row.impositions, jobs: judged(row) });
  }

  /**
   * Reads what a batch of scan codes can name, in up to three statements: the codes judged as
   * runlists, the production jobs of `<job id>_<version tag>` codes with their runlists, and
   * those runlists judged.
   */
  async loadScanCodes(codes: string[]): Promise<void> {
    await this.loadRunlists(codes);
    const jobIds = codes.filter((code) => !this.runlists.get(code)?.impositions).flatMap((code) => parseJobCode(code)?.jobId ?? []);
    await this.loadProductionJobs(jobIds);
    await this.loadRunlists(jobIds.flatMap((id) => this.jobs.get(id)?.runlistId ?? []));
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

  /** The production jobs of the imposition's files; rejected when a file id is malformed or names no known production job. */
  async jobsOfImposition(impositionId: string): Promise<Found<string[]>> {
    await this.loadImpositions([impositionId]);
    return this.impositions.get(impositionId)!.jobs;
  }

  /** A runlist's production jobs (or why they cannot be had); null when no runlist has this id. */
  async runlist(runlistId: string): Promise<Found<string[]> | null> {
    await this.loadRunlists([runlistId]);
    const target = this.runlists.get(runlistId)!;
    return target.impositions > 0 ? target.jobs : null;
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
