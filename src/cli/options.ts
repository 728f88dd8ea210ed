// Parsers for command-line option values: a bad value is refused by commander, naming the option.
import { InvalidArgumentError } from 'commander';

export const json = (value: string): unknown => {
  try {
    return JSON.parse(value) as unknown;
  } catch {
    throw new InvalidArgumentError('expected JSON');
  }
};

export const wholeNumber =
  (min: number, max: number, hint = '') =>
  (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`expected a whole number from ${min} to ${max}${hint}`);
    return n;
  };

export const commaList = (value: string): string[] => value.split(',').map((part) => part.trim()).filter(Boolean);

export interface ReasonOption {
  reason?: string;
}
