// Reads an NDJSON file of jobs (one enqueueJob input per line; blank lines skipped) and checks
// every line before anything is enqueued: a bad line is named by its number.
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { enqueueInput, type EnqueueInput } from '../../services/engine/jobs/input.ts';
import { InvalidInputError, type InputIssue } from '../../services/errors.ts';

/** At most this many bad lines are listed. */
const LISTED = 20;

export async function readJobsFile(file: string): Promise<EnqueueInput[]> {
  const jobs: EnqueueInput[] = [];
  const issues: InputIssue[] = [];
  let lineNumber = 0;
  const lines = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
  try {
    for await (const line of lines) {
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
      if (parsed.success) jobs.push(value as EnqueueInput);
      else issues.push(...parsed.error.issues.map((issue) => ({ path: `line ${lineNumber}${issue.path.length ? `: ${issue.path.join('.')}` : ''}`, message: issue.message })));
    }
  } catch (error) {
    throw new InvalidInputError([{ path: 'file', message: `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}` }]);
  }
  if (issues.length > 0) {
    const more = issues.length > LISTED ? [{ path: '', message: `and ${issues.length - LISTED} more` }] : [];
    throw new InvalidInputError([...issues.slice(0, LISTED), ...more]);
  }
  if (jobs.length === 0) throw new InvalidInputError([{ path: 'file', message: `${file} holds no jobs` }]);
  return jobs;
}
