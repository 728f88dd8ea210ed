// Print objects are addressed by their numeric id (as the CLI and logs show it).
import { InvalidInputError } from '../../services/errors.ts';

export function numericId(value: string | number, path: string): number {
  const id = Number(value);
  if (!Number.isSafeInteger(id) || id <= 0) throw new InvalidInputError([{ path, message: 'not an id of this kind of object' }]);
  return id;
}

export const optionalId = (value: string | number | null | undefined, path: string) => (value === null || value === undefined ? null : numericId(value, path));
