// Run ids are made here and nowhere else (seed 003): readable, sortable by day, unique.
import { randomFillSync } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'; // Crockford base32: no I, L, O, U
const SUFFIX = 10;

// Random bytes drawn a pool at a time: one getrandom call per 409 ids instead of one per id
// (a bulk enqueue makes thousands; the call per id was a tenth of its Node time).
const pool = Buffer.alloc(SUFFIX * 409);
let used = pool.length;

const slugs = new Map<string, string>();
const slugOf = (kind: string) => {
  let slug = slugs.get(kind);
  if (slug === undefined) {
    slug = kind.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 32) || 'job';
    if (slugs.size < 1_000) slugs.set(kind, slug);
  }
  return slug;
};

/** e.g. `document-process-20261123-7GQ2M4X9KA`; 50 random bits keep collisions negligible. */
export function newRunId(kind: string, now = new Date()): string {
  const day = now.toISOString().slice(0, 10).replaceAll('-', '');
  if (used + SUFFIX > pool.length) {
    randomFillSync(pool);
    used = 0;
  }
  let suffix = '';
  for (let i = used; i < used + SUFFIX; i++) suffix += ALPHABET[pool[i]! & 31];
  used += SUFFIX;
  return `${slugOf(kind)}-${day}-${suffix}`;
}
