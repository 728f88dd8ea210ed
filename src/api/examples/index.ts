// Every domain's examples, in the order GraphiQL shows them. A domain adds its list here.
import { engineExamples } from './engine.ts';
import { printExamples } from './print.ts';
import { trackingExamples } from './tracking.ts';
import type { GraphiqlExample } from './types.ts';

export const graphiqlExamples: GraphiqlExample[] = [...engineExamples, ...printExamples, ...trackingExamples];

export interface RecentJobs {
  /** The newest job's run id, if any. */
  job: string | null;
  /** The newest failed job's run id, if any. */
  failedJob: string | null;
}

/** GraphiQL's opening text: every example under its description, pointed at real jobs. */
export function renderExamples(examples: readonly GraphiqlExample[], recent: RecentJobs): string {
  const header = '# Welcome to Pressroom. Pick an operation with the run button\'s menu.\n';
  const body = examples.map((example) => `# ${example.description}\n${example.operation}\n`).join('\n');
  const job = recent.job ?? 'no jobs yet: enqueue one';
  return `${header}\n${body}`.replaceAll('$RECENT_FAILED_JOB', recent.failedJob ?? job).replaceAll('$RECENT_JOB', job);
}
