// The CLI's work done through the API of the embedded Pressroom that holds the data folder, with
// the local control token that process left there (src/api/localControl.ts): the actor is 'cli'.
import type { LocalControl } from '../../api/localControl.ts';
import type { EnqueueInput } from '../../services/engine/jobs/input.ts';
import { unknownKindMessage } from '../../services/errors.ts';
import { ApiRefusedError } from './apiRefusedError.ts';
import type { CliBackend, EnqueuedJob, KeyInfo } from './types.ts';

/** Jobs per enqueueJobs call (within its limit per call): a progress step each. */
const CHUNK = 500;

const JOB_FIELDS = 'databaseId runId kind queueName status priority runAt';
const KEY_FIELDS = 'name role createdAt revokedAt lastUsedAt';

type RemoteJob = { databaseId: number; runId: string; kind: string; queueName: string; status: string; priority: number; runAt: string };
type Outcome<T> = T & { __typename: string; message?: string };
type RemoteEntry = { index: number; deduplicated: boolean; error: { message: string } | null; job: RemoteJob | null };

const enqueuedFrom = (job: RemoteJob, deduplicated: boolean): EnqueuedJob => ({
  id: job.databaseId,
  runId: job.runId,
  kind: job.kind,
  queue: job.queueName,
  status: job.status,
  priority: job.priority,
  runAt: job.runAt,
  deduplicated,
});

export function remoteBackend(control: LocalControl): CliBackend {
  const call = async <T>(query: string, variables: Record<string, unknown> = {}): Promise<T> => {
    let response: Response;
    try {
      response = await fetch(control.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${control.token}` },
        body: JSON.stringify({ query, variables }),
      });
    } catch (error) {
      throw new ApiRefusedError(`cannot reach the Pressroom holding the data folder (pid ${control.pid}) at ${control.url}: ${(error as Error).message}`);
    }
    const body = (await response.json().catch(() => ({}))) as { data?: T; errors?: { message: string }[] };
    if (body.errors?.length) throw new ApiRefusedError(body.errors.map((e) => e.message).join('; '));
    if (!body.data) throw new ApiRefusedError(`the Pressroom at ${control.url} answered HTTP ${response.status} without data`);
    return body.data;
  };
  /** A mutation's typed error (returned as data) is the command's failure. */
  const unwrap = <T>(outcome: Outcome<T>): T => {
    if (outcome.__typename.endsWith('Error')) throw new ApiRefusedError(outcome.message ?? outcome.__typename);
    return outcome;
  };
  const enqueue = async (input: EnqueueInput, reason: string | undefined): Promise<EnqueuedJob> => {
    const data = await call<{ enqueueJob: Outcome<{ job: RemoteJob; deduplicated: boolean }> }>(
      `mutation ($input: EnqueueJobInput!, $reason: String) { enqueueJob(input: $input, reason: $reason) {
        __typename ... on EnqueueResult { deduplicated job { ${JOB_FIELDS} } } ... on Error { message } } }`,
      { input, reason },
    );
    const { job, deduplicated } = unwrap(data.enqueueJob);
    return enqueuedFrom(job, deduplicated);
  };
  return {
    via: 'api',
    queueNames: async () => (await call<{ queues: { name: string }[] }>('{ queues { name } }')).queues.map((queue) => queue.name),
    enqueue,
    /** Unknown kinds only: a payload is checked by the Pressroom that enqueues it, chunk by chunk. */
    async kindIssues(inputs) {
      const known = new Set((await call<{ kinds: { name: string }[] }>('{ kinds { name } }')).kinds.map((kind) => kind.name));
      return inputs.map((input) => (input.allowUnknownKind || known.has(input.kind) ? [] : [{ path: 'kind', message: unknownKindMessage(input.kind) }]));
    },
    async enqueueMany(inputs, reason, onProgress) {
      const results: EnqueuedJob[] = [];
      for (let start = 0; start < inputs.length; start += CHUNK) {
        const data = await call<{ enqueueJobs: Outcome<{ results: RemoteEntry[] }> }>(
          `mutation ($inputs: [EnqueueJobInput!]!, $reason: String) { enqueueJobs(inputs: $inputs, reason: $reason) {
            __typename ... on EnqueueJobsResult { results { index deduplicated error { message } job { ${JOB_FIELDS} } } } ... on Error { message } } }`,
          { inputs: inputs.slice(start, start + CHUNK), reason },
        );
        const entries = unwrap(data.enqueueJobs).results;
        const refused = entries.filter((entry) => entry.error);
        if (refused.length > 0) {
          throw new ApiRefusedError(
            `${results.length + entries.length - refused.length} jobs enqueued, then refused: ` +
              refused.map((entry) => `job ${start + entry.index + 1}: ${entry.error!.message}`).join('; '),
          );
        }
        results.push(...entries.map((entry) => enqueuedFrom(entry.job!, entry.deduplicated)));
        onProgress(results.length);
      }
      return results;
    },
    async createKey(name, role, reason) {
      const data = await call<{ createApiKey: Outcome<{ key: string; apiKey: KeyInfo }> }>(
        `mutation ($name: String!, $role: ApiKeyRole!, $reason: String) { createApiKey(name: $name, role: $role, reason: $reason) {
          __typename ... on CreatedApiKey { key apiKey { ${KEY_FIELDS} } } ... on Error { message } } }`,
        { name, role, reason },
      );
      const { key, apiKey } = unwrap(data.createApiKey);
      return { key, apiKey };
    },
    listKeys: async () => (await call<{ apiKeys: KeyInfo[] }>(`{ apiKeys { ${KEY_FIELDS} } }`)).apiKeys,
    async revokeKey(name, reason) {
      const data = await call<{ revokeApiKey: Outcome<KeyInfo> }>(
        `mutation ($name: String!, $reason: String) { revokeApiKey(name: $name, reason: $reason) { __typename ... on ApiKey { ${KEY_FIELDS} } ... on Error { message } } }`,
        { name, reason },
      );
      return unwrap(data.revokeApiKey);
    },
    async submitDocuments(documents, reason) {
      const data = await call<{ submitDocuments: Outcome<{ createdCount: number; existingKeys: string[] }> }>(
        `mutation ($documents: [PrintDocumentInput!]!, $reason: String) { submitDocuments(documents: $documents, reason: $reason) {
          __typename ... on SubmitDocumentsResult { createdCount existingKeys } ... on Error { message } } }`,
        { documents, reason },
      );
      const { createdCount, existingKeys } = unwrap(data.submitDocuments);
      return { created: createdCount, existing: existingKeys.length };
    },
    async upsertTrackingReference(input, reason) {
      const data = await call<{ upsertTrackingReference: Outcome<{ productionJobs: number }> }>(
        `mutation ($input: TrackingReferenceInput!, $reason: String) { upsertTrackingReference(input: $input, reason: $reason) {
          __typename ... on TrackingReferenceCounts { productionJobs } ... on Error { message } } }`,
        { input, reason },
      );
      unwrap(data.upsertTrackingReference);
    },
    close: async () => {},
  };
}
