CREATE TABLE "archived_histories" (
	"case_id" text PRIMARY KEY NOT NULL,
	"run_id" text NOT NULL,
	"status" text NOT NULL,
	"closed_at" timestamp with time zone NOT NULL,
	"archived_at" timestamp with time zone NOT NULL,
	"history" text NOT NULL,
	"seq" integer NOT NULL,
	"digest" text NOT NULL,
	"prev_digest" text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX "archived_histories_seq_idx" ON "archived_histories" USING btree ("seq");