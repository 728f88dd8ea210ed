// Refusals by an abuse limit: each says which limit and when to try again (HTTP 429 with
// Retry-After; over graphql-ws an error message for the operation, or a close with the reason).
import { PressroomError } from '../../services/errors.ts';

export abstract class LimitError extends PressroomError {
  readonly httpStatus = 429;
  abstract readonly limit: string;
  constructor(
    message: string,
    /** When trying again may succeed. */
    readonly retryAfterSeconds: number,
  ) {
    super(message);
  }
}

export class RateLimitedError extends LimitError {
  readonly code = 'RATE_LIMITED';
  readonly limit = 'requestsPerKey';
  constructor(perSecond: number, retryAfterSeconds: number) {
    super(`too many requests for this API key (at most ${perSecond} a second); retry in ${retryAfterSeconds} s`, retryAfterSeconds);
  }
}

export class AuthLockedError extends LimitError {
  readonly code = 'TOO_MANY_AUTH_FAILURES';
  readonly limit = 'authFailuresPerAddress';
  constructor(retryAfterSeconds: number) {
    super(`too many failed authentications from this address; retry in ${retryAfterSeconds} s`, retryAfterSeconds);
  }
}

export class TooManySubscriptionsError extends LimitError {
  readonly code = 'TOO_MANY_SUBSCRIPTIONS';
  readonly limit = 'subscriptions';
  constructor(scope: 'API key' | 'address', max: number) {
    super(`too many subscriptions for this ${scope} (at most ${max}); end one first`, 1);
  }
}
