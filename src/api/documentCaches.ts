// Yoga caches parsed documents (and parse errors) by their text, 1,000 of each: with documents
// of up to 1 MB (the request limit) that is up to 2 GB, which a client sending many different large
// documents (a fuzzer, an attacker) would fill. Bounded here by what an entry keeps as well: 64 MB
// in all, and a document larger than 64 KB is parsed each time instead of kept.
import { LRUCache } from 'lru-cache';
import type { DocumentNode } from 'graphql';
import type { Plugin } from 'graphql-yoga';

const MAX_ENTRIES = 1_000;
const MAX_ENTRY_CHARS = 64 * 1024;
/**
 * What a cached document keeps per character of its text: its AST with locations and tokens, and
 * the validation errors Yoga keeps beside it (by document). Measured through the API (test/memory):
 * 120-130 bytes per character; charged with a margin.
 */
const DOCUMENT_BYTES_PER_CHAR = 160;
/**
 * A parse error, its stack frames released (below): message, locations, source; about 2 KB. Also
 * what keeps the charge of the empty document above 0, which lru-cache refuses with a TypeError.
 */
const ERROR_BYTES = 3 * 1024;

const DOCUMENTS_MB = 48;
const ERRORS_MB = 16;
/** What the two caches may keep in all. */
export const DOCUMENT_CACHES_MB = DOCUMENTS_MB + ERRORS_MB;

export const documentCharge = (text: string) => text.length * DOCUMENT_BYTES_PER_CHAR;
export const errorCharge = (text: string) => ERROR_BYTES + text.length * 2;

export function boundedDocumentCaches() {
  return {
    documentCache: new LRUCache<string, DocumentNode>({
      max: MAX_ENTRIES,
      maxSize: DOCUMENTS_MB * 1024 * 1024,
      maxEntrySize: documentCharge('x'.repeat(MAX_ENTRY_CHARS)),
      sizeCalculation: (_document, text) => documentCharge(text),
    }),
    errorCache: new LRUCache<string, object>({
      max: MAX_ENTRIES,
      maxSize: ERRORS_MB * 1024 * 1024,
      maxEntrySize: errorCharge('x'.repeat(MAX_ENTRY_CHARS)),
      sizeCalculation: (_error, text) => errorCharge(text),
    }),
  };
}

/**
 * An error keeps the frames of its stack trace until its stack is read, and with each frame its
 * receiver and function: for a parse error the lexer with every token of the document, for a
 * validation error the validation context with the state of every rule. Yoga caches both (parse
 * errors by text, validation errors with their document): that was 50-100 KB kept per invalid
 * document of 100 characters. The stack is never shown (errors are masked), so it is replaced by
 * its first line and the frames go.
 */
export function releaseErrorFrames(): Plugin {
  const release = (error: unknown) => {
    if (error instanceof Error) error.stack = `${error.name}: ${error.message}`;
  };
  return {
    onParse: () => ({ result }) => release(result),
    onValidate: () => ({ result }) => {
      for (const error of result) release(error);
    },
  };
}
