// Expected failures, each with a stable code. The API returns them as data; the CLI prints
// their message; nothing else about them (stacks, SQL) leaves the process.

export abstract class PressroomError extends Error {
  abstract readonly code: string;
  override get name() {
    return this.constructor.name;
  }
}

export class NotFoundError extends PressroomError {
  readonly code = 'NOT_FOUND';
  constructor(
    readonly targetType: string,
    readonly targetId: string,
  ) {
    super(`${targetType} ${targetId} not found`);
  }
}

export class InvalidTransitionError extends PressroomError {
  readonly code = 'INVALID_TRANSITION';
  constructor(
    readonly jobId: number,
    readonly from: string,
    readonly operation: string,
  ) {
    super(`cannot ${operation} job ${jobId}: it is ${from}`);
  }
}

/** Another live job holds the dedupe key the job would take back (on retry). */
export class DedupeConflictError extends PressroomError {
  readonly code = 'DEDUPE_CONFLICT';
  constructor(
    readonly jobId: number,
    readonly dedupeKey: string,
    readonly liveJobId: number,
  ) {
    super(`cannot retry job ${jobId}: job ${liveJobId} already holds its dedupe key ${dedupeKey}`);
  }
}

/** A worker acted on a run it no longer holds (the job was recovered, cancelled or re-run). */
export class StaleLeaseError extends PressroomError {
  readonly code = 'STALE_LEASE';
  constructor(readonly jobId: number) {
    super(`job ${jobId} is no longer held by this run`);
  }
}

export interface InputIssue {
  path: string;
  message: string;
}

export class InvalidInputError extends PressroomError {
  readonly code = 'INVALID_INPUT';
  constructor(readonly issues: InputIssue[]) {
    super(`invalid input: ${issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ')}`);
  }
}

export const unknownKindMessage = (kind: string) =>
  `unknown job kind ${kind}: no handler defines it and no worker serves it (pass allowUnknownKind: true for a kind whose workers are not started yet)`;

/**
 * No handler in this process's code defines the kind and no worker has announced it: a job of it
 * would wait forever. `allowUnknownKind: true` enqueues it anyway (a worker not started yet).
 */
export class UnknownKindError extends PressroomError {
  readonly code = 'UNKNOWN_KIND';
  /** The field that names the kind. */
  readonly path = 'kind';
  constructor(readonly kind: string) {
    super(`kind: ${unknownKindMessage(kind)}`);
  }
}

export class GovernorBusyError extends PressroomError {
  readonly code = 'GOVERNOR_BUSY';
  constructor(
    readonly governor: string,
    readonly holder: string | null,
  ) {
    super(`governor ${governor} is held by ${holder ?? 'another run'}`);
  }
}

/** The caller's role may not do this (or no API key was given). */
export class ForbiddenError extends PressroomError {
  readonly code = 'FORBIDDEN';
}

export class DataFolderLockedError extends PressroomError {
  readonly code = 'DATA_FOLDER_LOCKED';
  constructor(
    readonly dataDir: string,
    readonly owner: string | undefined,
  ) {
    super(
      `the embedded database folder ${dataDir} is in use by another Pressroom process` +
        `${owner ? ` (last opened by ${owner})` : ''}; stop that process (a dead process's lock is taken over at once on ` +
        'its own host, within 15 seconds from another), or set PRESSROOM_DATA_DIR to another folder, ' +
        'or set DATABASE_URL to run several processes on one PostgreSQL',
    );
  }
}

export class ConfigError extends PressroomError {
  readonly code = 'INVALID_CONFIG';
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/** The API cannot listen where it was told to (PRESSROOM_HOST, PRESSROOM_PORT). */
export class ListenError extends PressroomError {
  readonly code = 'CANNOT_LISTEN';
  constructor(
    readonly host: string,
    readonly port: number,
    readonly reason: string,
  ) {
    super(`pressroom: cannot listen on ${host}:${port}: ${reason}`);
  }

  static from(error: NodeJS.ErrnoException, host: string, port: number): ListenError {
    const reasons: Record<string, string> = {
      EADDRINUSE: 'the port is in use by another process (set PRESSROOM_PORT to another port, or 0 for any free one)',
      EACCES: 'not allowed to use this port (set PRESSROOM_PORT to 1024 or above)',
      EADDRNOTAVAIL: 'PRESSROOM_HOST is not an address of this machine',
      ENOTFOUND: 'PRESSROOM_HOST is not a known host name or address',
      EAI_AGAIN: 'PRESSROOM_HOST could not be resolved',
    };
    return new ListenError(host, port, reasons[error.code ?? ''] ?? error.message);
  }
}

/** PostgreSQL or Redis cannot be reached: the process stops before writing anything. */
export class DependencyUnavailableError extends PressroomError {
  readonly code = 'DEPENDENCY_UNAVAILABLE';
}
