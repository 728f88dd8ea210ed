CREATE TABLE "job_metrics_minutes" (
	"minute" timestamp with time zone NOT NULL,
	"queue" text NOT NULL,
	"kind" text NOT NULL,
	"completed" integer DEFAULT 0 NOT NULL,
	"failed" integer DEFAULT 0 NOT NULL,
	"cancelled" integer DEFAULT 0 NOT NULL,
	"wait_buckets" integer[] NOT NULL,
	"run_buckets" integer[] NOT NULL,
	CONSTRAINT "job_metrics_minutes_minute_queue_kind_pk" PRIMARY KEY("minute","queue","kind")
);
--> statement-breakpoint
CREATE INDEX "jobs_finished_at" ON "jobs" USING btree ("finished_at") WHERE finished_at is not null;--> statement-breakpoint
CREATE INDEX "jobs_run_id_pattern" ON "jobs" USING btree ("run_id" text_pattern_ops);