ALTER TABLE "case_items" DROP CONSTRAINT "case_items_status_check";--> statement-breakpoint
ALTER TABLE "case_items" ADD COLUMN "reasons" jsonb;--> statement-breakpoint
ALTER TABLE "sla_breaches" ADD COLUMN "cause" text;--> statement-breakpoint
ALTER TABLE "case_items" ADD CONSTRAINT "case_items_status_check" CHECK ("case_items"."status" in ('pending', 'in_review', 'awaiting_supplement', 'completed', 'rejected', 'cancelled', 'not_applied', 'ineligible', 'awaiting_applicant'));--> statement-breakpoint
ALTER TABLE "sla_breaches" ADD CONSTRAINT "sla_breaches_cause_check" CHECK ("sla_breaches"."cause" in ('system', 'review'));