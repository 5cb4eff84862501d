-- The inbox (GET /api/tasks) read in index order at any inbox size (issue 13): the
-- department and the holder join the key, so a page of the most urgent items is the
-- first rows of one index range, never a sort of every item the office has in review.
DROP INDEX IF EXISTS "case_items_review_inbox_idx";--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "case_items_review_queue_idx" ON "case_items" USING btree ("institution","department",(coalesce("deadline", 'infinity'::timestamptz)),"case_id","position") WHERE "status" = 'in_review';--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "case_items_review_assignee_idx" ON "case_items" USING btree ("institution","department","assignee",(coalesce("deadline", 'infinity'::timestamptz)),"case_id","position") WHERE "status" = 'in_review';
--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "case_items_review_unassigned_idx" ON "case_items" USING btree ("institution","department",(coalesce("deadline", 'infinity'::timestamptz)),"case_id","position") WHERE "status" = 'in_review' AND "assignee" IS NULL;
