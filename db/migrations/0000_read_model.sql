CREATE SEQUENCE "public"."licence_number_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1;--> statement-breakpoint
CREATE TABLE "case_events" (
	"case_id" text NOT NULL,
	"seq" integer NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"type" text NOT NULL,
	"item" text,
	"actor" text,
	"detail" jsonb,
	CONSTRAINT "case_events_case_id_seq_pk" PRIMARY KEY("case_id","seq")
);
--> statement-breakpoint
CREATE TABLE "case_items" (
	"case_id" text NOT NULL,
	"item" text NOT NULL,
	"position" integer NOT NULL,
	"department" text NOT NULL,
	"status" text NOT NULL,
	"started_at" timestamp with time zone,
	"deadline" timestamp with time zone,
	"escalation_level" integer DEFAULT 0 NOT NULL,
	"licence_number" text,
	"licence_type" text,
	"decided_by" text,
	"decided_at" timestamp with time zone,
	"reason" text,
	CONSTRAINT "case_items_case_id_item_pk" PRIMARY KEY("case_id","item")
);
--> statement-breakpoint
CREATE TABLE "cases" (
	"case_id" text PRIMARY KEY NOT NULL,
	"region" text NOT NULL,
	"policy_version" text NOT NULL,
	"status" text NOT NULL,
	"submitted_at" timestamp with time zone NOT NULL,
	"closed_at" timestamp with time zone,
	"reasons" jsonb,
	"applicant_hash" text NOT NULL,
	"applicant_masked" text NOT NULL,
	"revision" integer DEFAULT 0 NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "licences" (
	"number" text PRIMARY KEY NOT NULL,
	"type" text NOT NULL,
	"subject_key" text NOT NULL,
	"subject_name" text NOT NULL,
	"issuer" text NOT NULL,
	"case_id" text,
	"item" text,
	"status" text DEFAULT 'valid' NOT NULL,
	"issued_at" timestamp with time zone DEFAULT now() NOT NULL,
	"voided_at" timestamp with time zone,
	"replaced_by" text,
	"idempotency_key" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "sla_breaches" (
	"case_id" text NOT NULL,
	"item" text NOT NULL,
	"seq" integer NOT NULL,
	"department" text NOT NULL,
	"region" text NOT NULL,
	"deadline" timestamp with time zone NOT NULL,
	"breached_at" timestamp with time zone NOT NULL,
	"escalation_level" integer NOT NULL,
	"resolved_at" timestamp with time zone,
	CONSTRAINT "sla_breaches_case_id_item_seq_pk" PRIMARY KEY("case_id","item","seq")
);
--> statement-breakpoint
ALTER TABLE "case_events" ADD CONSTRAINT "case_events_case_id_cases_case_id_fk" FOREIGN KEY ("case_id") REFERENCES "public"."cases"("case_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "case_items" ADD CONSTRAINT "case_items_case_id_cases_case_id_fk" FOREIGN KEY ("case_id") REFERENCES "public"."cases"("case_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sla_breaches" ADD CONSTRAINT "sla_breaches_case_id_cases_case_id_fk" FOREIGN KEY ("case_id") REFERENCES "public"."cases"("case_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "case_items_inbox_idx" ON "case_items" USING btree ("department","status");--> statement-breakpoint
CREATE INDEX "cases_status_idx" ON "cases" USING btree ("status","region");--> statement-breakpoint
CREATE INDEX "cases_applicant_idx" ON "cases" USING btree ("applicant_hash");--> statement-breakpoint
CREATE UNIQUE INDEX "licences_idempotency_key_idx" ON "licences" USING btree ("idempotency_key");--> statement-breakpoint
CREATE UNIQUE INDEX "licences_one_valid_per_subject_idx" ON "licences" USING btree ("subject_key","type") WHERE status = 'valid';--> statement-breakpoint
CREATE INDEX "sla_breaches_department_idx" ON "sla_breaches" USING btree ("department","breached_at");