// The print pipeline's tables (seed 000): documents, scan scopes, scans, slices, batches, the
// lane rows both lanes share (the seed's DocExportProdQueue/DocExportHistQueue, one table with a
// lane column), lane counts kept by a trigger (drizzle/0005 adds it by hand), and the dedupe
// markers. The print governor is the engine's governor `print`. Only src/services/print writes here.
import { sql } from 'drizzle-orm';
import { bigint, index, integer, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';

const at = (name: string) => timestamp(name, { withTimezone: true, mode: 'string' });
const id = () => bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity();
const ref = (name: string) => bigint(name, { mode: 'number' });

export const printDocuments = pgTable(
  'print_documents',
  {
    id: id(),
    key: text('key').notNull(),
    type: text('type').notNull(),
    customer: text('customer').notNull(),
    createdAt: at('created_at').notNull().defaultNow(),
    /** Inline content (utf8 text, or base64 when contentEncoding is base64), or null with contentPath. */
    content: text('content'),
    contentEncoding: text('content_encoding').notNull().default('utf8'),
    contentPath: text('content_path'),
    sizeBytes: integer('size_bytes').notNull(),
    submittedBy: text('submitted_by').notNull(),
    submittedAt: at('submitted_at').notNull().defaultNow(),
  },
  (t) => [uniqueIndex('print_documents_key').on(t.key), index('print_documents_created').on(t.createdAt, t.id)],
);

export const printScanScopes = pgTable(
  'print_scan_scopes',
  {
    id: id(),
    name: text('name').notNull(),
    lane: text('lane').notNull(),
    documentType: text('document_type'),
    customer: text('customer'),
    createdFrom: at('created_from'),
    createdTo: at('created_to'),
    createdBy: text('created_by').notNull(),
    createdAt: at('created_at').notNull().defaultNow(),
    updatedAt: at('updated_at').notNull().defaultNow(),
  },
  (t) => [uniqueIndex('print_scan_scopes_name').on(t.name)],
);

export const printScans = pgTable(
  'print_scans',
  {
    id: id(),
    scopeId: ref('scope_id').references(() => printScanScopes.id, { onDelete: 'set null' }),
    scopeName: text('scope_name').notNull(),
    lane: text('lane').notNull(),
    /** The scope's selection as it was when the scan started. */
    selection: jsonb('selection').notNull(),
    status: text('status').notNull().default('pending'),
    documentsTotal: integer('documents_total').notNull().default(0),
    slicesTotal: integer('slices_total').notNull().default(0),
    error: text('error'),
    jobId: ref('job_id'),
    createdBy: text('created_by').notNull(),
    createdAt: at('created_at').notNull().defaultNow(),
    startedAt: at('started_at'),
    finishedAt: at('finished_at'),
    updatedAt: at('updated_at').notNull().defaultNow(),
  },
  (t) => [index('print_scans_status').on(t.status, t.id), index('print_scans_scope').on(t.scopeId)],
);

export const printSlices = pgTable(
  'print_slices',
  {
    id: id(),
    scanId: ref('scan_id')
      .notNull()
      .references(() => printScans.id, { onDelete: 'cascade' }),
    lane: text('lane').notNull(),
    position: integer('position').notNull(),
    /** The scan's snapshot: the documents of this slice. */
    documentIds: bigint('document_ids', { mode: 'number' }).array().notNull(),
    documentsTotal: integer('documents_total').notNull(),
    batchesTotal: integer('batches_total').notNull().default(0),
    status: text('status').notNull().default('pending'),
    jobId: ref('job_id'),
    createdAt: at('created_at').notNull().defaultNow(),
    startedAt: at('started_at'),
    finishedAt: at('finished_at'),
    updatedAt: at('updated_at').notNull().defaultNow(),
  },
  (t) => [uniqueIndex('print_slices_scan_position').on(t.scanId, t.position), index('print_slices_status').on(t.status, t.id)],
);

export const printBatches = pgTable(
  'print_batches',
  {
    id: id(),
    sliceId: ref('slice_id')
      .notNull()
      .references(() => printSlices.id, { onDelete: 'cascade' }),
    scanId: ref('scan_id').notNull(),
    lane: text('lane').notNull(),
    status: text('status').notNull().default('pending'),
    rowsTotal: integer('rows_total').notNull(),
    createdAt: at('created_at').notNull().defaultNow(),
    finishedAt: at('finished_at'),
  },
  (t) => [index('print_batches_slice').on(t.sliceId), index('print_batches_scan').on(t.scanId, t.id)],
);

export const printExportRows = pgTable(
  'print_export_rows',
  {
    id: id(),
    lane: text('lane').notNull(),
    status: text('status').notNull().default('queued'),
    documentId: ref('document_id').notNull(),
    documentKey: text('document_key').notNull(),
    scanId: ref('scan_id').notNull(),
    sliceId: ref('slice_id').notNull(),
    batchId: ref('batch_id')
      .notNull()
      .references(() => printBatches.id, { onDelete: 'cascade' }),
    attempts: integer('attempts').notNull().default(0),
    lastAttemptAt: at('last_attempt_at'),
    /** A row whose last attempt failed transiently waits until then. */
    retryAt: at('retry_at'),
    errorMessage: text('error_message'),
    /** The cycle run holding the row while Processing (the seed's SPID): job id, its attempt, its worker. */
    heldByJobId: ref('held_by_job_id'),
    heldByAttempt: integer('held_by_attempt'),
    heldByWorker: text('held_by_worker'),
    createdAt: at('created_at').notNull().defaultNow(),
    updatedAt: at('updated_at').notNull().defaultNow(),
  },
  (t) => [
    index('print_export_rows_drain').on(t.lane, t.id).where(sql`status = 'queued'`),
    index('print_export_rows_processing').on(t.heldByJobId).where(sql`status = 'processing'`),
    index('print_export_rows_status').on(t.status, t.lane, t.id),
    index('print_export_rows_batch').on(t.batchId, t.status),
    index('print_export_rows_scan').on(t.scanId, t.id),
    index('print_export_rows_document').on(t.documentKey),
  ],
);

/** Rows per lane and status, kept by a statement trigger on print_export_rows (see the migration). */
export const printLaneCounts = pgTable(
  'print_lane_counts',
  {
    lane: text('lane').notNull(),
    status: text('status').notNull(),
    count: bigint('count', { mode: 'number' }).notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.lane, t.status] })],
);

export const printDedupe = pgTable('print_dedupe', {
  documentKey: text('document_key').primaryKey(),
  scanId: ref('scan_id'),
  rowId: ref('row_id'),
  printedAt: at('printed_at').notNull().defaultNow(),
});
