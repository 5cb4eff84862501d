CREATE TABLE "policy_packs" (
	"region" text NOT NULL,
	"version" text NOT NULL,
	"hash" text NOT NULL,
	"body" jsonb NOT NULL,
	"published_at" timestamp with time zone DEFAULT now() NOT NULL,
	"published_by" text NOT NULL,
	CONSTRAINT "policy_packs_region_version_pk" PRIMARY KEY("region","version"),
	CONSTRAINT "policy_packs_hash_check" CHECK ("policy_packs"."hash" ~ '^[0-9a-f]{64}$')
);
