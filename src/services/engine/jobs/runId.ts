// Run ids are made here and nowhere else (seed 003): readable, sortable by day, unique.
import { randomBytes } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'; // Crockford base32: no I, L, O, U

/** e.g. `document-process-20261123-7GQ2M4X9KA`; 50 random bits keep collisions negligible. */
export function newRunId(kind: string, now = new Date()): string {
  const slug = kind.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 32) || 'job';
  const day = now.toISOString().slice(0, 10).replaceAll('-', '');
  const bytes = randomBytes(10);
  let suffix = '';
  for (const byte of bytes) suffix += ALPHABET[byte & 31];
  return `${slug}-${day}-${suffix}`;
}
