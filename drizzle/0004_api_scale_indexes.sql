DROP INDEX "jobs_running_queue";--> statement-breakpoint
DROP INDEX "jobs_status_created";--> statement-breakpoint
DROP INDEX "jobs_kind_created";--> statement-breakpoint
DROP INDEX "jobs_queue_status";--> statement-breakpoint
CREATE INDEX "jobs_status_id" ON "jobs" USING btree ("status","id");--> statement-breakpoint
CREATE INDEX "jobs_kind_id" ON "jobs" USING btree ("kind","id");--> statement-breakpoint
CREATE INDEX "jobs_queue_status_id" ON "jobs" USING btree ("queue","status","id","run_at");