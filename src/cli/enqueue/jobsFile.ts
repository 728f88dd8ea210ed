// Reads an NDJSON file of jobs (one enqueueJob input per line; blank lines skipped) and checks
// every line's shape before anything is enqueued: a bad line is named by its number.
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { enqueueInput, type EnqueueInput } from '../../services/engine/jobs/input.ts';
import { InvalidInputError, type InputIssue } from '../../services/errors.ts';

/** At most this many bad lines are listed. */
const LISTED = 20;

export interface JobsFile {
  jobs: EnqueueInput[];
  /** The line number of each job, for naming it. */
  lines: number[];
}

export async function readJobsFile(file: string): Promise<JobsFile> {
  const jobs: EnqueueInput[] = [];
  const lines: number[] = [];
  const issues: InputIssue[] = [];
  let lineNumber = 0;
  const reader = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
  try {
    for await (const line of reader) {
      lineNumber++;
      if (line.trim() === '') continue;
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch {
        issues.push({ path: `line ${lineNumber}`, message: 'not JSON' });
        continue;
      }
      const parsed = enqueueInput.safeParse(value);
      if (parsed.success) {
        jobs.push(value as EnqueueInput);
        lines.push(lineNumber);
      } else issues.push(...parsed.error.issues.map((issue) => lineIssue(lineNumber, { path: issue.path.join('.'), message: issue.message })));
    }
  } catch (error) {
    throw new InvalidInputError([{ path: 'file', message: `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}` }]);
  }
  refuseLines(issues);
  if (jobs.length === 0) throw new InvalidInputError([{ path: 'file', message: `${file} holds no jobs` }]);
  return { jobs, lines };
}

/** A job's issue (path `payload.ms`) named by its line: `line 7: payload.ms`. */
export const lineIssue = (line: number, issue: InputIssue): InputIssue => ({ path: `line ${line}${issue.path ? `: ${issue.path}` : ''}`, message: issue.message });

/** Refuses the file when any line has an issue, listing the first few. */
export function refuseLines(issues: InputIssue[]): void {
  if (issues.length === 0) return;
  const more = issues.length > LISTED ? [{ path: '', message: `and ${issues.length - LISTED} more` }] : [];
  throw new InvalidInputError([...issues.slice(0, LISTED), ...more]);
}
