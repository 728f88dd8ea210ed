// The one job transition table. Every status change in the engine names its operation here.
// An operator's operation not allowed from the job's status is an InvalidTransitionError, never a
// silent no-op. A worker's operations address a run by its lease token: a run that no longer holds
// the job (whatever its status now) gets StaleLeaseError, or is left out of a batch.
import { InvalidTransitionError } from '../../errors.ts';
import type { JobStatus } from '../types.ts';

interface Transition {
  from: readonly JobStatus[];
  /** The statuses the operation may leave the job in; empty for delete. */
  to: readonly JobStatus[];
}

export const TRANSITIONS = {
  /** A worker takes a ready job. */
  claim: { from: ['queued'], to: ['running'] },
  /** The handler returned. */
  complete: { from: ['running'], to: ['completed'] },
  /** The handler failed: back to the queue with attempts left and a transient error, else failed. */
  failAttempt: { from: ['running'], to: ['queued', 'failed'] },
  /** The worker gives the job back unfinished (graceful shutdown). */
  release: { from: ['running'], to: ['queued'] },
  /** The worker stopped renewing the lease; a pause or cancel asked of it takes effect now. */
  expireLease: { from: ['running'], to: ['queued', 'failed', 'paused', 'cancelled'] },
  /** Pause: at once when waiting; a running job is asked, and pauses at its next checkpoint. */
  pause: { from: ['queued', 'running'], to: ['paused', 'running'] },
  /** The running handler reached a checkpoint after a pause or cancel was asked. */
  acknowledgeControl: { from: ['running'], to: ['paused', 'cancelled'] },
  resume: { from: ['paused'], to: ['queued'] },
  /** Cancel: at once when not running; a running job is asked, and stops at its next checkpoint. */
  cancel: { from: ['queued', 'paused', 'running'], to: ['cancelled', 'running'] },
  retry: { from: ['failed', 'cancelled'], to: ['queued'] },
  forceFail: { from: ['queued', 'running', 'paused'], to: ['failed'] },
  delete: { from: ['queued', 'paused', 'completed', 'failed', 'cancelled'], to: [] },
} as const satisfies Record<string, Transition>;

export type JobOperation = keyof typeof TRANSITIONS;

export function canTransition(operation: JobOperation, from: JobStatus): boolean {
  return (TRANSITIONS[operation].from as readonly JobStatus[]).includes(from);
}

export function assertTransition(operation: JobOperation, jobId: number, from: JobStatus): void {
  if (!canTransition(operation, from)) throw new InvalidTransitionError(jobId, from, operation);
}

/** Statuses a job may be moved out of by `operation`, for bulk statements. */
export const fromStatuses = (operation: JobOperation): readonly JobStatus[] => TRANSITIONS[operation].from;
