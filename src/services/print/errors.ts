// The print pipeline's expected failure beyond the shared ones (src/services/errors.ts).
import { PressroomError } from '../errors.ts';

/** The operation is not allowed from the object's status (see TRANSITIONS in model.ts). */
export class PrintTransitionError extends PressroomError {
  readonly code = 'INVALID_TRANSITION';
  constructor(
    readonly targetType: string,
    readonly targetId: string,
    readonly from: string,
    readonly operation: string,
  ) {
    super(`cannot ${operation} ${targetType} ${targetId}: it is ${from}`);
  }
}
