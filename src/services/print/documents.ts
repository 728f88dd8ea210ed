// Documents: what gets printed. Submitted in batches (GraphQL submitDocuments, the CLI import);
// a key is unique, and submitting it again is a no-op reported as such.
import { type SQL, sql } from 'drizzle-orm';
import { z } from 'zod';
import { query, type Db } from '../../db/client.ts';
import { inTransaction, type ServiceContext } from '../context.ts';
import { appendHistory } from '../engine/history.ts';
import type { Actor } from '../engine/types.ts';
import { storableText } from '../storableJson.ts';
import { parseInput } from '../validate.ts';
import { documentFromRow, type PrintDocument } from './model.ts';

/** The most content a document may carry inline (decoded), and the most documents per submission. */
export const MAX_DOCUMENT_BYTES = 1024 * 1024;
export const MAX_DOCUMENTS_PER_SUBMISSION = 5_000;

const documentInput = z
  .object({
    key: storableText().min(1, 'key must not be empty').max(200),
    type: storableText().min(1, 'type must not be empty').max(100),
    customer: storableText().min(1, 'customer must not be empty').max(200),
    createdAt: z.coerce.date().optional(),
    /** Inline text content. */
    content: storableText().optional(),
    /** Inline binary content, base64. */
    contentBase64: z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, 'not base64').optional(),
    /** A file the printer reads when it prints the document. */
    contentPath: storableText().min(1).max(1000).optional(),
  })
  .strict()
  .superRefine((doc, issues) => {
    const given = [doc.content, doc.contentBase64, doc.contentPath].filter((c) => c !== undefined).length;
    if (given !== 1) issues.addIssue({ code: 'custom', path: ['content'], message: 'give exactly one of content, contentBase64 or contentPath' });
    if (sizeOf(doc) > MAX_DOCUMENT_BYTES) {
      issues.addIssue({ code: 'custom', path: ['content'], message: `content must be at most ${MAX_DOCUMENT_BYTES} bytes` });
    }
  });

const submission = z
  .array(documentInput)
  .min(1, 'submit at least one document')
  .max(MAX_DOCUMENTS_PER_SUBMISSION, `at most ${MAX_DOCUMENTS_PER_SUBMISSION} documents per submission`)
  .superRefine((docs, issues) => {
    const seen = new Set<string>();
    docs.forEach((doc, index) => {
      if (seen.has(doc.key)) issues.addIssue({ code: 'custom', path: [index, 'key'], message: `key ${doc.key} is given twice in this submission` });
      seen.add(doc.key);
    });
  });

export type DocumentInput = z.input<typeof documentInput>;

function sizeOf(doc: { content?: string; contentBase64?: string }): number {
  if (doc.content !== undefined) return Buffer.byteLength(doc.content);
  if (doc.contentBase64 !== undefined) return Buffer.byteLength(doc.contentBase64, 'base64');
  return 0;
}

export interface SubmissionResult {
  /** The documents created now. */
  created: PrintDocument[];
  /** Keys that existed already: nothing was changed for them. */
  existingKeys: string[];
}

export async function submitDocuments(ctx: ServiceContext, inputs: DocumentInput[], by: Actor): Promise<SubmissionResult> {
  const docs = parseInput(submission, inputs);
  const rows = docs.map((doc) => ({
    key: doc.key,
    type: doc.type,
    customer: doc.customer,
    created_at: (doc.createdAt ?? new Date()).toISOString(),
    content: doc.content ?? doc.contentBase64 ?? null,
    content_encoding: doc.contentBase64 !== undefined ? 'base64' : 'utf8',
    content_path: doc.contentPath ?? null,
    size_bytes: sizeOf(doc),
  }));
  const result = await inTransaction(ctx, async (tx, emit) => {
    const created = await query<Record<string, unknown>>(
      tx,
      sql`insert into print_documents (key, type, customer, created_at, content, content_encoding, content_path, size_bytes, submitted_by)
          select key, type, customer, created_at, content, content_encoding, content_path, size_bytes, ${by.actor}
          from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as x(key text, type text, customer text, created_at timestamptz,
            content text, content_encoding text, content_path text, size_bytes int)
          on conflict (key) do nothing
          returning id, key, type, customer, created_at, content_path, size_bytes, submitted_by, submitted_at`,
    );
    const createdKeys = new Set(created.map((row) => row.key as string));
    const existingKeys = docs.map((doc) => doc.key).filter((key) => !createdKeys.has(key));
    await appendHistory(tx, emit, [
      {
        actor: by.actor,
        operation: 'submitDocuments',
        targetType: 'printDocuments',
        targetId: created.length > 0 ? (created[0]!.key as string) : docs[0]!.key,
        after: { created: created.length, existing: existingKeys.length, keys: docs.slice(0, 20).map((doc) => doc.key) },
        reason: by.reason,
      },
    ]);
    if (created.length > 0) emit('printDocument:submitted', { count: created.length });
    return { created: created.map(documentFromRow).sort((a, b) => a.id - b.id), existingKeys };
  });
  return result;
}

export interface DocumentFilter {
  keyPrefix?: string | null;
  type?: string | null;
  customer?: string | null;
  createdFrom?: Date | null;
  createdTo?: Date | null;
}

/** Newest first, keyset on id. */
export async function listDocuments(db: Db, filter: DocumentFilter, page: { first: number; after: number | null }): Promise<PrintDocument[]> {
  const where: SQL[] = [sql`true`];
  if (filter.keyPrefix) where.push(sql`starts_with(key, ${filter.keyPrefix})`);
  if (filter.type) where.push(sql`type = ${filter.type}`);
  if (filter.customer) where.push(sql`customer = ${filter.customer}`);
  if (filter.createdFrom) where.push(sql`created_at >= ${filter.createdFrom.toISOString()}`);
  if (filter.createdTo) where.push(sql`created_at < ${filter.createdTo.toISOString()}`);
  if (page.after !== null) where.push(sql`id < ${page.after}`);
  const rows = await query<Record<string, unknown>>(
    db,
    sql`select id, key, type, customer, created_at, content_path, size_bytes, submitted_by, submitted_at from print_documents
        where ${sql.join(where, sql` and `)} order by id desc limit ${page.first}`,
  );
  return rows.map(documentFromRow);
}

export async function getDocumentByKey(db: Db, key: string): Promise<PrintDocument | null> {
  const [row] = await query<Record<string, unknown>>(
    db,
    sql`select id, key, type, customer, created_at, content_path, size_bytes, submitted_by, submitted_at from print_documents where key = ${key}`,
  );
  return row ? documentFromRow(row) : null;
}
