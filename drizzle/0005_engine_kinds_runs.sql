-- Issue #10: job kinds announced by workers, a run number per job, the kinds each worker serves.
-- Online-safe on a 1,000,000-job table: ADD COLUMN with a constant default is a catalogue change
-- (PostgreSQL 11+), no table rewrite and no backfill; it takes an ACCESS EXCLUSIVE lock on jobs
-- and workers for that instant only (it waits for running statements on the table, so run it
-- while no long query holds jobs). Jobs that ran before count their runs from max(runs, attempts).
CREATE TABLE "job_kinds" (
	"kind" text PRIMARY KEY NOT NULL,
	"stages" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"payload_schema" jsonb,
	"announced_by" text NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "jobs" ADD COLUMN "runs" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "workers" ADD COLUMN "kinds" jsonb DEFAULT '[]'::jsonb NOT NULL;