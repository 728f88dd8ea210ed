// The one parser of file ids: FILE_<version>_Labex_<job id>_<rest>, where the job id has two
// parts (FILE_1_Labex_4604_5889_80 → version 1, production job 4604_5889, rest 80). Every caller
// (processing, reference imports) goes through it, so a malformed id is named the same way everywhere.

export type FileIdProblem =
  | 'empty'
  | 'no FILE_ prefix'
  | 'no version'
  | 'no Labex marker'
  | 'no job id'
  | 'job id has one part'
  | 'nothing after the job id';

export type ParsedFileId = { ok: true; version: string; jobId: string; rest: string } | { ok: false; problem: FileIdProblem };

const NUMBER = /^\d+$/;

export function parseFileId(fileId: string): ParsedFileId {
  const fail = (problem: FileIdProblem): ParsedFileId => ({ ok: false, problem });
  const text = fileId.trim();
  if (text === '') return fail('empty');
  const parts = text.split('_');
  if (parts[0] !== 'FILE') return fail('no FILE_ prefix');
  const version = parts[1];
  if (!version || version === 'Labex') return fail('no version');
  if (parts[2] !== 'Labex') return fail('no Labex marker');
  const [first, second, ...rest] = parts.slice(3);
  if (!first || !NUMBER.test(first)) return fail('no job id');
  if (!second || !NUMBER.test(second)) return fail('job id has one part');
  if (rest.length === 0 || rest.join('_') === '') return fail('nothing after the job id');
  return { ok: true, version, jobId: `${first}_${second}`, rest: rest.join('_') };
}

/** The production job of a file id, or null when the id is malformed. */
export function jobIdOfFile(fileId: string): string | null {
  const parsed = parseFileId(fileId);
  return parsed.ok ? parsed.jobId : null;
}

/** A scanned `<job id>_<version tag>` code (4604_5889_v2), or null when it is not one. */
export function parseJobCode(code: string): { jobId: string; versionTag: string } | null {
  const match = /^(\d+_\d+)_(.+)$/.exec(code.trim());
  return match ? { jobId: match[1]!, versionTag: match[2]! } : null;
}
