// Expected failures are data: each mutation's result is a union of its value and these types.
import {
  DedupeConflictError,
  ForbiddenError,
  GovernorBusyError,
  InvalidInputError,
  InvalidTransitionError,
  NotFoundError,
  PressroomError,
  UnknownKindError,
} from '../services/errors.ts';
import { builder } from './builder.ts';

export const ErrorInterface = builder.interfaceRef<PressroomError>('Error').implement({
  description: 'An expected failure: nothing was changed.',
  fields: (t) => ({
    message: t.exposeString('message'),
    code: t.exposeString('code'),
  }),
});

builder.objectType(NotFoundError, {
  name: 'NotFoundError',
  interfaces: [ErrorInterface],
  fields: (t) => ({ targetType: t.exposeString('targetType'), targetId: t.exposeString('targetId') }),
});

builder.objectType(InvalidTransitionError, {
  name: 'InvalidTransitionError',
  description: 'The operation is not allowed from the job status: see docs/engine.md for the transition table.',
  interfaces: [ErrorInterface],
  fields: (t) => ({ jobId: t.exposeID('jobId'), from: t.exposeString('from'), operation: t.exposeString('operation') }),
});

builder.objectType(GovernorBusyError, {
  name: 'GovernorBusyError',
  interfaces: [ErrorInterface],
  fields: (t) => ({ governor: t.exposeString('governor'), holder: t.exposeString('holder', { nullable: true }) }),
});

builder.objectType(DedupeConflictError, {
  name: 'DedupeConflictError',
  interfaces: [ErrorInterface],
  fields: (t) => ({ dedupeKey: t.exposeString('dedupeKey'), liveJobId: t.exposeID('liveJobId') }),
});

builder.objectType(UnknownKindError, {
  name: 'UnknownKindError',
  description: 'No handler defines the job kind and no worker serves it; allowUnknownKind: true enqueues it anyway.',
  interfaces: [ErrorInterface],
  fields: (t) => ({
    kind: t.exposeString('kind'),
    path: t.exposeString('path', { description: 'The field that names the kind.' }),
  }),
});

builder.objectType(ForbiddenError, { name: 'ForbiddenError', interfaces: [ErrorInterface], fields: () => ({}) });

export const InputIssueRef = builder.objectRef<{ path: string; message: string }>('InputIssue').implement({
  fields: (t) => ({
    path: t.exposeString('path', { description: 'The field, dotted, e.g. `items.3.key`; empty for the whole input.' }),
    message: t.exposeString('message'),
  }),
});

builder.objectType(InvalidInputError, {
  name: 'InvalidInputError',
  interfaces: [ErrorInterface],
  fields: (t) => ({ issues: t.field({ type: [InputIssueRef], resolve: (error) => error.issues }) }),
});

/** The errors every mutation may return. */
export const commonErrors = [ForbiddenError, InvalidInputError];
export const jobErrors = [...commonErrors, NotFoundError, InvalidTransitionError];
