import { PressroomError } from '../../services/errors.ts';

/** The Pressroom the CLI works through refused the request (its message), or could not be reached. */
export class ApiRefusedError extends PressroomError {
  readonly code = 'API_REFUSED';
}
