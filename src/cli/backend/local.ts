// The CLI's work done on the database itself, through the services, as the actor 'cli'.
import type { Pressroom } from '../../app.ts';
import { createApiKey, listApiKeys, revokeApiKey, type ApiKey } from '../../services/engine/apiKeys.ts';
import { enqueueJob, enqueueJobs, type EnqueueResult } from '../../services/engine/jobs/enqueue.ts';
import { kindProblems } from '../../services/engine/kinds/check.ts';
import { listQueues } from '../../services/engine/queues.ts';
import { InvalidInputError, UnknownKindError, unknownKindMessage } from '../../services/errors.ts';
import { submitDocuments } from '../../services/print/documents.ts';
import { upsertTrackingReference } from '../../services/tracking/referenceData.ts';
import type { CliBackend, EnqueuedJob, KeyInfo } from './types.ts';

/** Bulk enqueues go in statements of this many jobs (a progress step each). */
const CHUNK = 1_000;

const enqueued = ({ job, deduplicated }: EnqueueResult): EnqueuedJob => ({
  id: job.id,
  runId: job.runId,
  kind: job.kind,
  queue: job.queue,
  status: job.status,
  priority: job.priority,
  runAt: job.runAt.toISOString(),
  deduplicated,
});

const keyInfo = (key: ApiKey): KeyInfo => ({
  name: key.name,
  role: key.role,
  createdAt: key.createdAt.toISOString(),
  revokedAt: key.revokedAt?.toISOString() ?? null,
  lastUsedAt: key.lastUsedAt?.toISOString() ?? null,
});

export function localBackend(pressroom: Pressroom): CliBackend {
  const { services } = pressroom;
  const by = (reason: string | undefined) => ({ actor: 'cli', reason: reason ?? null });
  return {
    via: 'database',
    queueNames: async () => (await listQueues(services.db)).map((queue) => queue.name),
    enqueue: async (input, reason) => enqueued(await enqueueJob(services, input, by(reason))),
    async kindIssues(inputs) {
      return (await kindProblems(services, inputs.map((input) => ({ ...input, payload: input.payload ?? {} })))).map((problem) => {
        if (problem instanceof UnknownKindError) return [{ path: 'kind', message: unknownKindMessage(problem.kind) }];
        if (problem instanceof InvalidInputError) return problem.issues;
        return problem ? [{ path: '', message: problem.message }] : [];
      });
    },
    async enqueueMany(inputs, reason, onProgress) {
      const results: EnqueuedJob[] = [];
      for (let start = 0; start < inputs.length; start += CHUNK) {
        results.push(...(await enqueueJobs(services, inputs.slice(start, start + CHUNK), by(reason))).map(enqueued));
        onProgress(results.length);
      }
      return results;
    },
    async createKey(name, role, reason) {
      const { key, apiKey } = await createApiKey(services, { name, role }, by(reason));
      return { key, apiKey: keyInfo(apiKey) };
    },
    listKeys: async () => (await listApiKeys(services.db)).map(keyInfo),
    revokeKey: async (name, reason) => keyInfo(await revokeApiKey(services, name, by(reason))),
    async submitDocuments(documents, reason) {
      const result = await submitDocuments(services, documents, by(reason));
      return { created: result.created.length, existing: result.existingKeys.length };
    },
    async upsertTrackingReference(input, reason) {
      await upsertTrackingReference(services, input, by(reason));
    },
    close: () => pressroom.close(),
  };
}
