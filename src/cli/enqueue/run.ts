// `pressroom enqueue`: one job from the options, or every job of an NDJSON file with a progress
// bar, on the database or through the running Pressroom's API (src/cli/backend).
import { SingleBar } from 'cli-progress';
import type { EnqueueInput } from '../../services/engine/jobs/input.ts';
import { InvalidInputError } from '../../services/errors.ts';
import { withBackend } from '../backend/index.ts';
import type { CliBackend } from '../backend/types.ts';
import type { EnqueueOptions } from '../commands/enqueue.ts';
import { lineIssue, readJobsFile, refuseLines } from './jobsFile.ts';

export async function runEnqueue(kind: string | undefined, options: EnqueueOptions): Promise<void> {
  const { file, reason, newQueue, ...fields } = options;
  if (Boolean(kind) === Boolean(file)) throw new InvalidInputError([{ path: 'kind', message: 'give a job kind, or --file with one job per line (not both)' }]);
  if (file) {
    const { jobs, lines } = await readJobsFile(file);
    await withBackend(async (backend) => {
      await refuseUnknownQueues(backend, jobs, newQueue);
      // An unknown kind or a refused payload anywhere in the file keeps out every job, named by its line.
      refuseLines((await backend.kindIssues(jobs)).flatMap((issues, i) => issues.map((issue) => lineIssue(lines[i]!, issue))));
      const results = await enqueueWithProgress(backend, jobs, reason);
      const deduplicated = results.filter((r) => r.deduplicated).length;
      process.stdout.write(
        `enqueued ${results.length - deduplicated} jobs from ${file}` +
          `${deduplicated ? ` (${deduplicated} more were already queued under their dedupe key)` : ''}: ${results[0]!.runId} … ${results.at(-1)!.runId}\n`,
      );
    });
    return;
  }
  const input = { kind: kind!, ...fields } as EnqueueInput;
  await withBackend(async (backend) => {
    await refuseUnknownQueues(backend, [input], newQueue);
    process.stdout.write(`${JSON.stringify(await backend.enqueue(input, reason), null, 2)}\n`);
  });
}

/** A mistyped queue name would start a queue nobody serves: new queues only with --new-queue. */
async function refuseUnknownQueues(backend: CliBackend, jobs: EnqueueInput[], allowNew: boolean | undefined) {
  if (allowNew) return;
  const named = new Set(jobs.flatMap((job) => (job.queue ? [job.queue] : [])));
  if (named.size === 0) return;
  const known = new Set(await backend.queueNames());
  const unknown = [...named].filter((name) => !known.has(name));
  if (unknown.length === 0) return;
  throw new InvalidInputError([
    {
      path: 'queue',
      message: `unknown queue ${unknown.join(', ')} (known: ${[...known].join(', ') || 'none yet'}); pass --new-queue to start it`,
    },
  ]);
}

async function enqueueWithProgress(backend: CliBackend, jobs: EnqueueInput[], reason: string | undefined) {
  // The bar goes to stderr, and only when a person watches it.
  const bar = process.stderr.isTTY ? new SingleBar({ format: 'enqueuing [{bar}] {value}/{total} jobs  {percentage}%  {eta_formatted} left', hideCursor: true }) : null;
  bar?.start(jobs.length, 0);
  try {
    return await backend.enqueueMany(jobs, reason, (done) => bar?.update(done));
  } finally {
    bar?.stop();
  }
}
