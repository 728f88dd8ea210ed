// What the CLI's commands ask of Pressroom, answered either by opening the database (nobody else
// holds it) or through the API of the embedded Pressroom that holds it (src/cli/backend/index.ts).
import type { EnqueueInput } from '../../services/engine/jobs/input.ts';
import type { InputIssue } from '../../services/errors.ts';
import type { DocumentInput } from '../../services/print/documents.ts';
import type { ReferenceInput } from '../../services/tracking/referenceData.ts';

/** What `enqueue` prints for a job, whichever way it was enqueued. */
export interface EnqueuedJob {
  id: number;
  runId: string;
  kind: string;
  queue: string;
  status: string;
  priority: number;
  runAt: string;
  deduplicated: boolean;
}

export interface KeyInfo {
  name: string;
  role: string;
  createdAt: string;
  revokedAt: string | null;
  lastUsedAt: string | null;
}

export interface CliBackend {
  /** How the work is done: on the database, or through the API of the process holding it. */
  readonly via: 'database' | 'api';
  queueNames(): Promise<string[]>;
  enqueue(input: EnqueueInput, reason: string | undefined): Promise<EnqueuedJob>;
  /**
   * What enqueue would refuse in each job's kind and payload (paths `kind`, `payload.x`), without
   * enqueuing any: none for a job it would take.
   */
  kindIssues(inputs: EnqueueInput[]): Promise<InputIssue[][]>;
  /** Enqueues many jobs, in order; `onProgress` hears how many are in so far. */
  enqueueMany(inputs: EnqueueInput[], reason: string | undefined, onProgress: (done: number) => void): Promise<EnqueuedJob[]>;
  createKey(name: string, role: string, reason: string | undefined): Promise<{ key: string; apiKey: KeyInfo }>;
  listKeys(): Promise<KeyInfo[]>;
  revokeKey(name: string, reason: string | undefined): Promise<KeyInfo>;
  /** Adds print documents (one batch); keys submitted before are counted as existing. */
  submitDocuments(documents: DocumentInput[], reason: string | undefined): Promise<{ created: number; existing: number }>;
  /** Upserts production-tracking reference data (one bounded chunk). */
  upsertTrackingReference(input: ReferenceInput, reason: string | undefined): Promise<void>;
  close(): Promise<void>;
}
