ALTER TABLE "case_items" DROP CONSTRAINT "case_items_status_check";--> statement-breakpoint
ALTER TABLE "case_items" ADD CONSTRAINT "case_items_status_check" CHECK ("case_items"."status" in ('pending', 'in_review', 'awaiting_supplement', 'completed', 'rejected', 'cancelled', 'not_applied', 'ineligible', 'awaiting_applicant', 'needs_attention'));--> statement-breakpoint
CREATE INDEX "case_items_attention_idx" ON "case_items" ("department") WHERE "status" = 'needs_attention';
