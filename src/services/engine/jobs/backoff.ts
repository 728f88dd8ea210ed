import type { BackoffPolicy } from '../types.ts';

/**
 * Delay before attempt `attempt + 1`, after `attempt` failed: base × 2^(attempt-1) for
 * exponential (or base for fixed), capped at maxMs, with `jitter` of it randomised so that
 * jobs failing together do not retry together.
 */
export function backoffDelayMs(policy: BackoffPolicy, attempt: number, random = Math.random): number {
  const raw = policy.strategy === 'fixed' ? policy.baseMs : policy.baseMs * 2 ** Math.max(0, attempt - 1);
  const capped = Math.min(policy.maxMs, raw);
  return Math.round(capped * (1 - policy.jitter) + capped * policy.jitter * random());
}
