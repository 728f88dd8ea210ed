CREATE TABLE "governors" (
	"name" text PRIMARY KEY NOT NULL,
	"holder" text,
	"holder_job_id" bigint,
	"acquired_at" timestamp with time zone,
	"lease_expires_at" timestamp with time zone,
	"pending" boolean DEFAULT false NOT NULL,
	"pending_job" jsonb,
	"last_scheduled_at" timestamp with time zone,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "history" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "history_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	"actor" text NOT NULL,
	"operation" text NOT NULL,
	"target_type" text NOT NULL,
	"target_id" text NOT NULL,
	"before" jsonb,
	"after" jsonb,
	"reason" text
);
--> statement-breakpoint
CREATE TABLE "job_items" (
	"job_id" bigint NOT NULL,
	"position" integer NOT NULL,
	"key" text NOT NULL,
	"payload" jsonb,
	"status" text DEFAULT 'pending' NOT NULL,
	"error" text,
	"processed_at" timestamp with time zone,
	CONSTRAINT "job_items_job_id_position_pk" PRIMARY KEY("job_id","position"),
	CONSTRAINT "job_items_status_check" CHECK (status in ('pending', 'processed', 'failed'))
);
--> statement-breakpoint
CREATE TABLE "jobs" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "jobs_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"run_id" text NOT NULL,
	"kind" text NOT NULL,
	"queue" text NOT NULL,
	"priority" integer DEFAULT 0 NOT NULL,
	"payload" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"status" text DEFAULT 'queued' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"max_attempts" integer NOT NULL,
	"backoff" jsonb NOT NULL,
	"run_at" timestamp with time zone DEFAULT now() NOT NULL,
	"dedupe_key" text,
	"governor_key" text,
	"worker_id" text,
	"lease_token" text,
	"lease_expires_at" timestamp with time zone,
	"heartbeat_at" timestamp with time zone,
	"control_request" text,
	"progress" jsonb,
	"stages" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"checkpoint" jsonb,
	"items_total" integer DEFAULT 0 NOT NULL,
	"items_processed" integer DEFAULT 0 NOT NULL,
	"items_failed" integer DEFAULT 0 NOT NULL,
	"result" jsonb,
	"metrics" jsonb,
	"last_error" jsonb,
	"error_log" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone,
	"paused_at" timestamp with time zone,
	"resume_count" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "jobs_status_check" CHECK (status in ('queued', 'running', 'paused', 'completed', 'failed', 'cancelled'))
);
--> statement-breakpoint
CREATE TABLE "queues" (
	"name" text PRIMARY KEY NOT NULL,
	"paused" boolean DEFAULT false NOT NULL,
	"paused_by" text,
	"paused_reason" text,
	"paused_at" timestamp with time zone,
	"concurrency" integer,
	"priority" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "workers" (
	"id" text PRIMARY KEY NOT NULL,
	"host" text NOT NULL,
	"pid" integer NOT NULL,
	"queues" jsonb NOT NULL,
	"concurrency" integer NOT NULL,
	"status" text DEFAULT 'running' NOT NULL,
	"started_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_seen_at" timestamp with time zone DEFAULT now() NOT NULL,
	"stopped_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "job_items" ADD CONSTRAINT "job_items_job_id_jobs_id_fk" FOREIGN KEY ("job_id") REFERENCES "public"."jobs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "history_target" ON "history" USING btree ("target_type","target_id","id");--> statement-breakpoint
CREATE INDEX "history_actor" ON "history" USING btree ("actor","id");--> statement-breakpoint
CREATE INDEX "history_operation" ON "history" USING btree ("operation","id");--> statement-breakpoint
CREATE INDEX "history_at" ON "history" USING btree ("at");--> statement-breakpoint
CREATE INDEX "job_items_pending" ON "job_items" USING btree ("job_id","position") WHERE status = 'pending';--> statement-breakpoint
CREATE UNIQUE INDEX "jobs_run_id_key" ON "jobs" USING btree ("run_id");--> statement-breakpoint
CREATE UNIQUE INDEX "jobs_dedupe_key_live" ON "jobs" USING btree ("dedupe_key") WHERE dedupe_key is not null and status in ('queued', 'running', 'paused');--> statement-breakpoint
CREATE INDEX "jobs_ready" ON "jobs" USING btree ("priority" DESC NULLS FIRST,"run_at","id") WHERE status = 'queued';--> statement-breakpoint
CREATE INDEX "jobs_governed_ready" ON "jobs" USING btree ("governor_key") WHERE status = 'queued' and governor_key is not null;--> statement-breakpoint
CREATE INDEX "jobs_running_lease" ON "jobs" USING btree ("lease_expires_at") WHERE status = 'running';--> statement-breakpoint
CREATE INDEX "jobs_running_queue" ON "jobs" USING btree ("queue") WHERE status = 'running';--> statement-breakpoint
CREATE INDEX "jobs_status_created" ON "jobs" USING btree ("status","created_at","id");--> statement-breakpoint
CREATE INDEX "jobs_kind_created" ON "jobs" USING btree ("kind","created_at","id");--> statement-breakpoint
CREATE INDEX "jobs_queue_status" ON "jobs" USING btree ("queue","status");--> statement-breakpoint
CREATE INDEX "workers_status_seen" ON "workers" USING btree ("status","last_seen_at");