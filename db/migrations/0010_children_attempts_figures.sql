-- Issue 10: one case per delivery (items per child, keyed), attempts, and the figures' columns.
ALTER TABLE "case_items" ADD COLUMN "item_key" text;--> statement-breakpoint
UPDATE "case_items" SET "item_key" = "item";--> statement-breakpoint
ALTER TABLE "case_items" ALTER COLUMN "item_key" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "case_items" DROP CONSTRAINT "case_items_case_id_item_pk";--> statement-breakpoint
ALTER TABLE "case_items" ADD CONSTRAINT "case_items_case_id_item_key_pk" PRIMARY KEY ("case_id","item_key");--> statement-breakpoint
ALTER TABLE "case_items" ADD COLUMN "child" integer;--> statement-breakpoint
ALTER TABLE "case_items" ADD COLUMN "concerns" text;--> statement-breakpoint
ALTER TABLE "case_items" ADD COLUMN "working_days_to_done" double precision;--> statement-breakpoint
ALTER TABLE "case_items" ADD CONSTRAINT "case_items_concerns_check" CHECK ("case_items"."concerns" in ('child', 'mother'));--> statement-breakpoint
ALTER TABLE "cases" ADD COLUMN "mother_hash" text;--> statement-breakpoint
ALTER TABLE "cases" ADD COLUMN "delivery_born_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "cases" ADD COLUMN "attempt" integer;--> statement-breakpoint
ALTER TABLE "cases" ADD COLUMN "previous_attempt" text;--> statement-breakpoint
ALTER TABLE "cases" ADD COLUMN "registration_deadline" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "cases" ADD COLUMN "working_days_to_close" double precision;--> statement-breakpoint
ALTER TABLE "cases" ADD COLUMN "supplements" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "cases" ADD COLUMN "first_delivery_match" text;--> statement-breakpoint
CREATE INDEX "cases_delivery_idx" ON "cases" USING btree ("mother_hash","delivery_born_at");--> statement-breakpoint
CREATE INDEX "cases_submitted_idx" ON "cases" USING btree ("submitted_at","region");
