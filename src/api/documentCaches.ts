// Yoga caches parsed documents (and parse errors) by their text, 1,000 of each: with documents
// of up to 1 MB (the request limit) that is up to 2 GB, which a client sending many different large
// documents (a fuzzer, an attacker) would fill. Bounded here by size as well: about 64 MB in all,
// and a document larger than 64 KB is parsed each time instead of kept.
import { LRUCache } from 'lru-cache';
import type { DocumentNode } from 'graphql';

const MAX_ENTRIES = 1_000;
const MAX_ENTRY_CHARS = 64 * 1024;
/** A parsed document takes several times its text in memory. */
const AST_BYTES_PER_CHAR = 8;

export function boundedDocumentCaches() {
  return {
    documentCache: new LRUCache<string, DocumentNode>({
      max: MAX_ENTRIES,
      maxSize: 48 * 1024 * 1024,
      maxEntrySize: MAX_ENTRY_CHARS * AST_BYTES_PER_CHAR,
      sizeCalculation: (_document, text) => text.length * AST_BYTES_PER_CHAR,
    }),
    errorCache: new LRUCache<string, object>({
      max: MAX_ENTRIES,
      maxSize: 16 * 1024 * 1024,
      maxEntrySize: MAX_ENTRY_CHARS * 2,
      sizeCalculation: (_error, text) => text.length * 2,
    }),
  };
}
