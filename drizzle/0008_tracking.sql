CREATE TABLE "imposition_files" (
	"imposition_id" text NOT NULL,
	"file_id" text NOT NULL,
	"job_id" text,
	CONSTRAINT "imposition_files_imposition_id_file_id_pk" PRIMARY KEY("imposition_id","file_id")
);
--> statement-breakpoint
CREATE TABLE "imposition_operations" (
	"imposition_id" text NOT NULL,
	"operation_id" text NOT NULL,
	"sequence_order" integer DEFAULT 0 NOT NULL,
	"required" boolean DEFAULT true NOT NULL,
	"status" text,
	"completed_at" timestamp with time zone,
	"completed_by" text,
	"source_id" bigint,
	"notes" text,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "imposition_operations_imposition_id_operation_id_pk" PRIMARY KEY("imposition_id","operation_id")
);
--> statement-breakpoint
CREATE TABLE "impositions" (
	"imposition_id" text PRIMARY KEY NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "print_os_events" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "print_os_events_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"device" text NOT NULL,
	"marker" bigint NOT NULL,
	"imposition_id" text NOT NULL,
	"status" text NOT NULL,
	"job_name" text,
	"item_id" text,
	"complete_time" timestamp with time zone NOT NULL,
	"copies" integer,
	"payload" jsonb,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "print_os_events_status_check" CHECK (status in ('PRINTED', 'ABORTED'))
);
--> statement-breakpoint
CREATE TABLE "processing_markers" (
	"source" text PRIMARY KEY NOT NULL,
	"last_processed_id" bigint DEFAULT 0 NOT NULL,
	"last_processed_at" timestamp with time zone,
	"processed_count" bigint DEFAULT 0 NOT NULL,
	"rejected_count" bigint DEFAULT 0 NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "production_job_operations" (
	"job_id" text NOT NULL,
	"operation_id" text NOT NULL,
	"sequence_order" integer DEFAULT 0 NOT NULL,
	"required" boolean DEFAULT true NOT NULL,
	"status" text,
	"completed_at" timestamp with time zone,
	"completed_by" text,
	"source_id" bigint,
	"notes" text,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "production_job_operations_job_id_operation_id_pk" PRIMARY KEY("job_id","operation_id")
);
--> statement-breakpoint
CREATE TABLE "production_jobs" (
	"job_id" text PRIMARY KEY NOT NULL,
	"version_tag" text,
	"name" text,
	"due_date" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "production_status_updates" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "production_status_updates_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"source_type" text NOT NULL,
	"source_id" bigint NOT NULL,
	"job_id" text NOT NULL,
	"operation_id" text NOT NULL,
	"status" text NOT NULL,
	"notes" text,
	"event_at" timestamp with time zone NOT NULL,
	"applied" boolean NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "runlist_impositions" (
	"runlist_id" text NOT NULL,
	"imposition_id" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "runlist_impositions_runlist_id_imposition_id_pk" PRIMARY KEY("runlist_id","imposition_id")
);
--> statement-breakpoint
CREATE TABLE "scans" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "scans_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"scan_id" text NOT NULL,
	"code_text" text NOT NULL,
	"scanned_at" timestamp with time zone NOT NULL,
	"machine_id" text,
	"user_id" text,
	"operations" jsonb NOT NULL,
	"metadata" jsonb,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "tracking_operations" (
	"operation_id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"sequence_order" integer DEFAULT 0 NOT NULL,
	"required" boolean DEFAULT true NOT NULL
);
--> statement-breakpoint
CREATE TABLE "tracking_outcomes" (
	"source" text NOT NULL,
	"record_id" bigint NOT NULL,
	"outcome" text NOT NULL,
	"reason" text,
	"jobs_updated" integer DEFAULT 0 NOT NULL,
	"attempts" integer DEFAULT 1 NOT NULL,
	"processed_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "tracking_outcomes_source_record_id_pk" PRIMARY KEY("source","record_id"),
	CONSTRAINT "tracking_outcomes_outcome_check" CHECK (outcome in ('processed', 'rejected'))
);
--> statement-breakpoint
CREATE TABLE "tracking_pending" (
	"source" text NOT NULL,
	"record_id" bigint NOT NULL,
	"queued_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "tracking_pending_source_record_id_pk" PRIMARY KEY("source","record_id")
);
--> statement-breakpoint
ALTER TABLE "api_keys" DROP CONSTRAINT "api_keys_role_check";--> statement-breakpoint
CREATE INDEX "imposition_files_job" ON "imposition_files" USING btree ("job_id");--> statement-breakpoint
CREATE INDEX "imposition_operations_source" ON "imposition_operations" USING btree ("completed_by","source_id");--> statement-breakpoint
CREATE UNIQUE INDEX "print_os_events_source_key" ON "print_os_events" USING btree ("device","marker");--> statement-breakpoint
CREATE INDEX "print_os_events_imposition" ON "print_os_events" USING btree ("imposition_id","id");--> statement-breakpoint
CREATE INDEX "production_job_operations_completed" ON "production_job_operations" USING btree ("completed_at");--> statement-breakpoint
CREATE INDEX "production_job_operations_source" ON "production_job_operations" USING btree ("completed_by","source_id");--> statement-breakpoint
CREATE INDEX "production_job_operations_updated" ON "production_job_operations" USING btree ("updated_at");--> statement-breakpoint
CREATE UNIQUE INDEX "production_status_updates_once" ON "production_status_updates" USING btree ("source_type","source_id","job_id","operation_id");--> statement-breakpoint
CREATE INDEX "production_status_updates_job" ON "production_status_updates" USING btree ("job_id","id");--> statement-breakpoint
CREATE INDEX "runlist_impositions_imposition" ON "runlist_impositions" USING btree ("imposition_id");--> statement-breakpoint
CREATE UNIQUE INDEX "scans_source_key" ON "scans" USING btree ("scan_id");--> statement-breakpoint
CREATE INDEX "scans_code" ON "scans" USING btree ("code_text","id");--> statement-breakpoint
CREATE UNIQUE INDEX "tracking_operations_name" ON "tracking_operations" USING btree ("name");--> statement-breakpoint
CREATE INDEX "tracking_outcomes_rejected" ON "tracking_outcomes" USING btree ("source","record_id") WHERE outcome = 'rejected';--> statement-breakpoint
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_role_check" CHECK (role in ('viewer', 'operator', 'admin', 'ingest'));--> statement-breakpoint
-- Hand-written: the markers start at 0 (seed 001 §4.3), and the catalogue knows the press's operation.
INSERT INTO "processing_markers" ("source", "last_processed_id") VALUES ('print_os', 0), ('scanner', 0) ON CONFLICT DO NOTHING;
--> statement-breakpoint
INSERT INTO "tracking_operations" ("operation_id", "name", "sequence_order", "required") VALUES ('print', 'print', 1, true) ON CONFLICT DO NOTHING;
