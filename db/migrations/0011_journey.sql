-- The family's journey (issue 10): parcels posted to the family and what the carrier
-- said of them, and the appointments booked for the one trip left. No name, phone or
-- address here: the carrier got those in the (encrypted) activity input.
CREATE TABLE "shipments" (
	"tracking_number" text PRIMARY KEY NOT NULL,
	"case_id" text NOT NULL,
	"item" text NOT NULL,
	"key" text NOT NULL,
	"department" text NOT NULL,
	"carrier" text NOT NULL,
	"document" text NOT NULL,
	"status" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "shipments_status_check" CHECK ("shipments"."status" in ('created', 'in_transit', 'delivered', 'returned'))
);
--> statement-breakpoint
CREATE UNIQUE INDEX "shipments_case_key_idx" ON "shipments" USING btree ("case_id","key");--> statement-breakpoint
CREATE TABLE "shipment_events" (
	"tracking_number" text NOT NULL,
	"status" text NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL,
	"applied" integer NOT NULL,
	CONSTRAINT "shipment_events_tracking_number_status_at_pk" PRIMARY KEY("tracking_number","status","at"),
	CONSTRAINT "shipment_events_status_check" CHECK ("shipment_events"."status" in ('created', 'in_transit', 'delivered', 'returned'))
);
--> statement-breakpoint
CREATE TABLE "appointments" (
	"case_id" text NOT NULL,
	"key" text NOT NULL,
	"institution" text NOT NULL,
	"slot" timestamp with time zone NOT NULL,
	"booked_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "appointments_case_id_key_pk" PRIMARY KEY("case_id","key")
);
