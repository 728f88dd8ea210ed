// Reads a reference data file for `pressroom tracking import`: JSON in the shape of
// upsertTrackingReference's input ({"productionJobs": [...], "impositions": [...], ...}), or CSV
// whose header names the section (the seed's column names):
//   job_id,version_tag,name,due_date       production jobs
//   operation_id,name,sequence_order,required   the operation catalogue
//   job_id,operation_id[,sequence_order,required]   job operations
//   imposition_id,file_id                   impositions and their files
//   runlist_id,imposition_id                runlists
// and cuts it into chunks for upserts of bounded size.
import { parse } from 'csv-parse/sync';
import { InvalidInputError } from '../errors.ts';
import type { ReferenceInput } from './referenceData.ts';

type Section = keyof ReferenceInput;
type Rows = Record<string, string>[];

/** Rows per upsert: one transaction each. */
export const IMPORT_CHUNK = 1_000;

export function readReferenceFile(name: string, text: string): ReferenceInput {
  if (name.toLowerCase().endsWith('.json')) {
    try {
      return JSON.parse(text) as ReferenceInput;
    } catch {
      throw new InvalidInputError([{ path: name, message: 'the file is not JSON' }]);
    }
  }
  let rows: Rows;
  try {
    rows = parse(text, { columns: (header: string[]) => header.map((h) => h.trim().toLowerCase()), skip_empty_lines: true, trim: true });
  } catch (error) {
    throw new InvalidInputError([{ path: name, message: `not readable as CSV: ${(error as Error).message}` }]);
  }
  const columns = new Set(Object.keys(rows[0] ?? {}));
  const has = (...names: string[]) => names.every((n) => columns.has(n));
  const text_ = (value: string | undefined) => (value === undefined || value === '' ? null : value);
  const int = (value: string | undefined) => (value === undefined || value === '' ? undefined : Number(value));
  const bool = (value: string | undefined) => (value === undefined || value === '' ? undefined : ['true', '1', 'yes', 'y'].includes(value.toLowerCase()));
  if (has('runlist_id', 'imposition_id')) return { runlists: grouped(rows, 'runlist_id', 'imposition_id').map(([runlistId, impositionIds]) => ({ runlistId, impositionIds })) };
  if (has('imposition_id', 'file_id')) return { impositions: grouped(rows, 'imposition_id', 'file_id').map(([impositionId, fileIds]) => ({ impositionId, fileIds })) };
  if (has('job_id', 'operation_id')) {
    return { jobOperations: rows.map((r) => ({ jobId: r.job_id!, operationId: r.operation_id!, sequenceOrder: int(r.sequence_order), required: bool(r.required) })) };
  }
  if (has('operation_id', 'name')) {
    return { operations: rows.map((r) => ({ operationId: r.operation_id!, name: r.name!, sequenceOrder: int(r.sequence_order), required: bool(r.required) })) };
  }
  if (has('job_id')) {
    return { productionJobs: rows.map((r) => ({ jobId: r.job_id!, versionTag: text_(r.version_tag), name: text_(r.name), dueDate: text_(r.due_date) as never })) };
  }
  throw new InvalidInputError([{ path: name, message: 'the CSV header names no known section (see docs/tracking.md: job_id, operation_id, imposition_id + file_id, runlist_id + imposition_id)' }]);
}

function grouped(rows: Rows, key: string, value: string): [string, string[]][] {
  const groups = new Map<string, string[]>();
  for (const row of rows) {
    const list = groups.get(row[key]!) ?? [];
    list.push(row[value]!);
    groups.set(row[key]!, list);
  }
  return [...groups];
}

/** The file's sections cut into upserts of at most IMPORT_CHUNK rows, catalogue first, runlists last. */
export function referenceChunks(input: ReferenceInput): { section: Section; input: ReferenceInput; rows: number }[] {
  const order: Section[] = ['operations', 'productionJobs', 'jobOperations', 'impositions', 'runlists'];
  const chunks: { section: Section; input: ReferenceInput; rows: number }[] = [];
  for (const section of order) {
    const rows = (input[section] ?? []) as unknown[];
    if (!Array.isArray(rows)) throw new InvalidInputError([{ path: section, message: 'must be a list' }]);
    for (let start = 0; start < rows.length; start += IMPORT_CHUNK) {
      const slice = rows.slice(start, start + IMPORT_CHUNK);
      chunks.push({ section, input: { [section]: slice }, rows: slice.length });
    }
  }
  return chunks;
}
