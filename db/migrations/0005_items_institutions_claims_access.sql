CREATE TABLE "data_accesses" (
	"id" serial PRIMARY KEY NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	"actor" text NOT NULL,
	"role" text NOT NULL,
	"institution" text,
	"case_id" text,
	"item_key" text,
	"kind" text NOT NULL,
	"sections" jsonb NOT NULL,
	CONSTRAINT "data_accesses_kind_check" CHECK ("data_accesses"."kind" in ('item_view', 'raw_history', 'codec_decode'))
);
--> statement-breakpoint
ALTER TABLE "case_items" ADD COLUMN "institution" text;--> statement-breakpoint
ALTER TABLE "case_items" ADD COLUMN "division" text;--> statement-breakpoint
ALTER TABLE "case_items" ADD COLUMN "assignee" text;--> statement-breakpoint
ALTER TABLE "licences" ADD COLUMN "issuer_institution" text;--> statement-breakpoint
ALTER TABLE "licences" ADD COLUMN "replaces" text;--> statement-breakpoint
ALTER TABLE "licences" ADD COLUMN "reissue_kind" text;--> statement-breakpoint
ALTER TABLE "licences" ADD COLUMN "reissued_by" text;--> statement-breakpoint
ALTER TABLE "licences" ADD COLUMN "reissue_comment" text;--> statement-breakpoint
CREATE INDEX "data_accesses_case_idx" ON "data_accesses" USING btree ("case_id","at");--> statement-breakpoint
CREATE INDEX "data_accesses_actor_idx" ON "data_accesses" USING btree ("actor","at");--> statement-breakpoint
CREATE INDEX "data_accesses_at_idx" ON "data_accesses" USING btree ("at");--> statement-breakpoint
CREATE INDEX "case_items_institution_inbox_idx" ON "case_items" USING btree ("institution","status","deadline");--> statement-breakpoint
CREATE INDEX "licences_case_idx" ON "licences" USING btree ("case_id");--> statement-breakpoint
ALTER TABLE "licences" ADD CONSTRAINT "licences_reissue_kind_check" CHECK ("licences"."reissue_kind" is null or "licences"."reissue_kind" in ('replacement', 'reissue'));