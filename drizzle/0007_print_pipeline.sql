CREATE TABLE "print_batches" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "print_batches_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"slice_id" bigint NOT NULL,
	"scan_id" bigint NOT NULL,
	"lane" text NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"rows_total" integer NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "print_dedupe" (
	"document_key" text PRIMARY KEY NOT NULL,
	"scan_id" bigint,
	"row_id" bigint,
	"printed_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "print_documents" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "print_documents_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"key" text NOT NULL,
	"type" text NOT NULL,
	"customer" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"content" text,
	"content_encoding" text DEFAULT 'utf8' NOT NULL,
	"content_path" text,
	"size_bytes" integer NOT NULL,
	"submitted_by" text NOT NULL,
	"submitted_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "print_export_rows" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "print_export_rows_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"lane" text NOT NULL,
	"status" text DEFAULT 'queued' NOT NULL,
	"document_id" bigint NOT NULL,
	"document_key" text NOT NULL,
	"scan_id" bigint NOT NULL,
	"slice_id" bigint NOT NULL,
	"batch_id" bigint NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"last_attempt_at" timestamp with time zone,
	"retry_at" timestamp with time zone,
	"error_message" text,
	"held_by_job_id" bigint,
	"held_by_attempt" integer,
	"held_by_worker" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "print_lane_counts" (
	"lane" text NOT NULL,
	"status" text NOT NULL,
	"count" bigint DEFAULT 0 NOT NULL,
	CONSTRAINT "print_lane_counts_lane_status_pk" PRIMARY KEY("lane","status")
);
--> statement-breakpoint
CREATE TABLE "print_scan_scopes" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "print_scan_scopes_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"name" text NOT NULL,
	"lane" text NOT NULL,
	"document_type" text,
	"customer" text,
	"created_from" timestamp with time zone,
	"created_to" timestamp with time zone,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "print_scans" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "print_scans_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"scope_id" bigint,
	"scope_name" text NOT NULL,
	"lane" text NOT NULL,
	"selection" jsonb NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"documents_total" integer DEFAULT 0 NOT NULL,
	"slices_total" integer DEFAULT 0 NOT NULL,
	"error" text,
	"job_id" bigint,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "print_slices" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "print_slices_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"scan_id" bigint NOT NULL,
	"lane" text NOT NULL,
	"position" integer NOT NULL,
	"document_ids" bigint[] NOT NULL,
	"documents_total" integer NOT NULL,
	"batches_total" integer DEFAULT 0 NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"job_id" bigint,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "print_batches" ADD CONSTRAINT "print_batches_slice_id_print_slices_id_fk" FOREIGN KEY ("slice_id") REFERENCES "public"."print_slices"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "print_export_rows" ADD CONSTRAINT "print_export_rows_batch_id_print_batches_id_fk" FOREIGN KEY ("batch_id") REFERENCES "public"."print_batches"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "print_scans" ADD CONSTRAINT "print_scans_scope_id_print_scan_scopes_id_fk" FOREIGN KEY ("scope_id") REFERENCES "public"."print_scan_scopes"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "print_slices" ADD CONSTRAINT "print_slices_scan_id_print_scans_id_fk" FOREIGN KEY ("scan_id") REFERENCES "public"."print_scans"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "print_batches_slice" ON "print_batches" USING btree ("slice_id");--> statement-breakpoint
CREATE INDEX "print_batches_scan" ON "print_batches" USING btree ("scan_id","id");--> statement-breakpoint
CREATE UNIQUE INDEX "print_documents_key" ON "print_documents" USING btree ("key");--> statement-breakpoint
CREATE INDEX "print_documents_created" ON "print_documents" USING btree ("created_at","id");--> statement-breakpoint
CREATE INDEX "print_export_rows_drain" ON "print_export_rows" USING btree ("lane","id") WHERE status = 'queued';--> statement-breakpoint
CREATE INDEX "print_export_rows_processing" ON "print_export_rows" USING btree ("held_by_job_id") WHERE status = 'processing';--> statement-breakpoint
CREATE INDEX "print_export_rows_status" ON "print_export_rows" USING btree ("status","lane","id");--> statement-breakpoint
CREATE INDEX "print_export_rows_batch" ON "print_export_rows" USING btree ("batch_id","status");--> statement-breakpoint
CREATE INDEX "print_export_rows_scan" ON "print_export_rows" USING btree ("scan_id","id");--> statement-breakpoint
CREATE INDEX "print_export_rows_document" ON "print_export_rows" USING btree ("document_key");--> statement-breakpoint
CREATE UNIQUE INDEX "print_scan_scopes_name" ON "print_scan_scopes" USING btree ("name");--> statement-breakpoint
CREATE INDEX "print_scans_status" ON "print_scans" USING btree ("status","id");--> statement-breakpoint
CREATE INDEX "print_scans_scope" ON "print_scans" USING btree ("scope_id");--> statement-breakpoint
CREATE UNIQUE INDEX "print_slices_scan_position" ON "print_slices" USING btree ("scan_id","position");--> statement-breakpoint
CREATE INDEX "print_slices_status" ON "print_slices" USING btree ("status","id");--> statement-breakpoint
-- Lane counts: statement triggers add each statement's net change per (lane, status) to
-- print_lane_counts, so the API reads a handful of rows instead of counting a million. Counters
-- are upserted in (lane, status) order, so concurrent statements cannot deadlock on them.
CREATE FUNCTION print_lane_counts_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO print_lane_counts AS c (lane, status, count)
  SELECT lane, status, count(*) FROM new_rows GROUP BY lane, status ORDER BY lane, status
  ON CONFLICT (lane, status) DO UPDATE SET count = c.count + excluded.count;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE FUNCTION print_lane_counts_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO print_lane_counts AS c (lane, status, count)
  SELECT lane, status, sum(delta) FROM (
    SELECT lane, status, 1 AS delta FROM new_rows
    UNION ALL SELECT lane, status, -1 FROM old_rows
  ) changes GROUP BY lane, status HAVING sum(delta) <> 0 ORDER BY lane, status
  ON CONFLICT (lane, status) DO UPDATE SET count = c.count + excluded.count;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE FUNCTION print_lane_counts_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO print_lane_counts AS c (lane, status, count)
  SELECT lane, status, -count(*) FROM old_rows GROUP BY lane, status ORDER BY lane, status
  ON CONFLICT (lane, status) DO UPDATE SET count = c.count + excluded.count;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER print_lane_counts_insert AFTER INSERT ON print_export_rows REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION print_lane_counts_insert();
--> statement-breakpoint
CREATE TRIGGER print_lane_counts_update AFTER UPDATE ON print_export_rows REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION print_lane_counts_update();
--> statement-breakpoint
CREATE TRIGGER print_lane_counts_delete AFTER DELETE ON print_export_rows REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION print_lane_counts_delete();
--> statement-breakpoint
-- Hand-written: the print pipeline's queues exist from the start (queues are made on purpose; a
-- lane can be paused before its first row).
INSERT INTO "queues" ("name") VALUES ('print'), ('print-production'), ('print-historical') ON CONFLICT DO NOTHING;
