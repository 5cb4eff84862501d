-- Runs after 0010 (the journal lists it there): the breaches join their items by item_key.
-- Issue 13: the read model for ten million cases. Every query a route runs has an index
-- that serves its filter and its order (keyset pagination reads a page, never the table);
-- totals and the SLA summary come from aggregates the projection maintains in its own
-- transaction (these triggers), never from a count or a list of the whole table.
DROP INDEX IF EXISTS "cases_status_idx";--> statement-breakpoint
CREATE INDEX "cases_newest_idx" ON "cases" USING btree ("submitted_at","case_id");--> statement-breakpoint
CREATE INDEX "cases_status_submitted_idx" ON "cases" USING btree ("status","submitted_at","case_id");--> statement-breakpoint
CREATE INDEX "cases_region_submitted_idx" ON "cases" USING btree ("region","submitted_at","case_id");--> statement-breakpoint
CREATE INDEX "cases_region_status_submitted_idx" ON "cases" USING btree ("region","status","submitted_at","case_id");--> statement-breakpoint
DROP INDEX IF EXISTS "case_items_institution_inbox_idx";--> statement-breakpoint
CREATE INDEX "case_items_review_inbox_idx" ON "case_items" USING btree ("institution",(coalesce("deadline", 'infinity'::timestamptz)),"case_id","position") WHERE "status" = 'in_review';--> statement-breakpoint
CREATE INDEX "case_items_decided_idx" ON "case_items" USING btree ("department","decided_at") WHERE "status" in ('completed', 'rejected');--> statement-breakpoint
DROP INDEX IF EXISTS "sla_breaches_department_idx";--> statement-breakpoint
CREATE INDEX "sla_breaches_department_idx" ON "sla_breaches" USING btree ("department","breached_at","case_id","item","seq");--> statement-breakpoint
CREATE INDEX "sla_breaches_breached_idx" ON "sla_breaches" USING btree ("breached_at","case_id","item","seq");--> statement-breakpoint
CREATE INDEX "sla_breaches_open_idx" ON "sla_breaches" USING btree ("department","breached_at","case_id","item","seq") WHERE "resolved_at" is null;--> statement-breakpoint
-- A county supervisor's cases, newest first: their items carry the case's submission time
-- (set from the case row when the item is first written), so one index range gives the page.
ALTER TABLE "case_items" ADD COLUMN "submitted_at" timestamp with time zone;--> statement-breakpoint
UPDATE "case_items" i SET "submitted_at" = c."submitted_at" FROM "cases" c WHERE c."case_id" = i."case_id";--> statement-breakpoint
CREATE FUNCTION "case_items_submitted_at"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.submitted_at IS NULL THEN
    SELECT submitted_at INTO NEW.submitted_at FROM cases WHERE case_id = NEW.case_id;
  END IF;
  RETURN NEW;
END
$$;--> statement-breakpoint
CREATE TRIGGER "case_items_submitted_at" BEFORE INSERT OR UPDATE ON "case_items" FOR EACH ROW EXECUTE FUNCTION "case_items_submitted_at"();--> statement-breakpoint
CREATE INDEX "case_items_division_submitted_idx" ON "case_items" USING btree ("division","submitted_at","case_id","department") WHERE "status" <> 'not_applied';--> statement-breakpoint
CREATE TABLE "case_counts" (
	"region" text NOT NULL,
	"status" text NOT NULL,
	"n" bigint DEFAULT 0 NOT NULL,
	CONSTRAINT "case_counts_region_status_pk" PRIMARY KEY("region","status")
);--> statement-breakpoint
CREATE TABLE "sla_daily" (
	"department" text NOT NULL,
	"region" text NOT NULL,
	"division" text NOT NULL,
	"day" date NOT NULL,
	"decided" integer DEFAULT 0 NOT NULL,
	"on_time" integer DEFAULT 0 NOT NULL,
	"breached" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "sla_daily_department_region_division_day_pk" PRIMARY KEY("department","region","division","day")
);--> statement-breakpoint
-- '' in region or division is the roll-up of every region, every division; a division row
-- is kept for each prefix a supervisor's token may name (2, 4 and 6 digits).
CREATE FUNCTION "sla_daily_add"(p_department text, p_region text, p_division text, p_day date, d_decided integer, d_on_time integer, d_breached integer) RETURNS void LANGUAGE sql AS $$
  INSERT INTO sla_daily AS s (department, region, division, day, decided, on_time, breached)
  SELECT p_department, r, v, p_day, d_decided, d_on_time, d_breached
  FROM (SELECT DISTINCT r FROM unnest(ARRAY['', p_region]) AS r WHERE r IS NOT NULL) regions
  CROSS JOIN (SELECT DISTINCT v FROM unnest(ARRAY['', left(p_division, 2), left(p_division, 4), p_division]) AS v WHERE v IS NOT NULL) divisions
  -- Always the same order of rows: two projections adding to the same roll-ups lock them alike.
  ORDER BY 2, 3
  ON CONFLICT (department, region, division, day) DO UPDATE
    SET decided = s.decided + excluded.decided, on_time = s.on_time + excluded.on_time, breached = s.breached + excluded.breached
$$;--> statement-breakpoint
CREATE FUNCTION "case_counts_track"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND OLD.status = NEW.status AND OLD.region = NEW.region THEN
    RETURN NULL;
  END IF;
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    UPDATE case_counts SET n = n - 1 WHERE region = OLD.region AND status = OLD.status;
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    INSERT INTO case_counts AS c (region, status, n) VALUES (NEW.region, NEW.status, 1)
    ON CONFLICT (region, status) DO UPDATE SET n = c.n + 1;
  END IF;
  RETURN NULL;
END
$$;--> statement-breakpoint
CREATE TRIGGER "cases_counted" AFTER INSERT OR UPDATE OR DELETE ON "cases" FOR EACH ROW EXECUTE FUNCTION "case_counts_track"();--> statement-breakpoint
-- An item counts once decided for good (approved or rejected), on the day of its final
-- decision, and on time while no breach of it exists (the breach trigger takes that back).
CREATE FUNCTION "sla_daily_items"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  was boolean := TG_OP <> 'INSERT' AND OLD.status IN ('completed', 'rejected') AND OLD.decided_at IS NOT NULL;
  is_now boolean := TG_OP <> 'DELETE' AND NEW.status IN ('completed', 'rejected') AND NEW.decided_at IS NOT NULL;
  r text;
  late boolean;
BEGIN
  IF was AND is_now AND OLD.decided_at = NEW.decided_at AND OLD.department = NEW.department AND OLD.division IS NOT DISTINCT FROM NEW.division THEN
    RETURN NULL;
  END IF;
  IF was THEN
    SELECT region INTO r FROM cases WHERE case_id = OLD.case_id;
    late := EXISTS (SELECT 1 FROM sla_breaches b WHERE b.case_id = OLD.case_id AND b.item = OLD.item_key);
    IF r IS NOT NULL THEN
      PERFORM sla_daily_add(OLD.department, r, OLD.division, (OLD.decided_at AT TIME ZONE 'Asia/Shanghai')::date, -1, CASE WHEN late THEN 0 ELSE -1 END, 0);
    END IF;
  END IF;
  IF is_now THEN
    SELECT region INTO r FROM cases WHERE case_id = NEW.case_id;
    late := EXISTS (SELECT 1 FROM sla_breaches b WHERE b.case_id = NEW.case_id AND b.item = NEW.item_key);
    IF r IS NOT NULL THEN
      PERFORM sla_daily_add(NEW.department, r, NEW.division, (NEW.decided_at AT TIME ZONE 'Asia/Shanghai')::date, 1, CASE WHEN late THEN 0 ELSE 1 END, 0);
    END IF;
  END IF;
  RETURN NULL;
END
$$;--> statement-breakpoint
CREATE TRIGGER "case_items_sla_daily" AFTER INSERT OR UPDATE OR DELETE ON "case_items" FOR EACH ROW EXECUTE FUNCTION "sla_daily_items"();--> statement-breakpoint
CREATE FUNCTION "sla_daily_breaches"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  b sla_breaches%ROWTYPE := CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
  it_division text;
  it_department text;
  it_decided timestamptz;
  sign integer := CASE WHEN TG_OP = 'DELETE' THEN -1 ELSE 1 END;
BEGIN
  SELECT division, department, CASE WHEN status IN ('completed', 'rejected') THEN decided_at END
    INTO it_division, it_department, it_decided
    FROM case_items WHERE case_id = b.case_id AND item_key = b.item;
  PERFORM sla_daily_add(b.department, b.region, it_division, (b.breached_at AT TIME ZONE 'Asia/Shanghai')::date, 0, 0, sign);
  -- The first breach of an item already decided takes back its "on time" (the last one removed gives it back).
  IF it_decided IS NOT NULL AND NOT EXISTS (SELECT 1 FROM sla_breaches o WHERE o.case_id = b.case_id AND o.item = b.item AND o.seq <> b.seq) THEN
    PERFORM sla_daily_add(it_department, b.region, it_division, (it_decided AT TIME ZONE 'Asia/Shanghai')::date, 0, -sign, 0);
  END IF;
  RETURN NULL;
END
$$;--> statement-breakpoint
CREATE TRIGGER "sla_breaches_sla_daily" AFTER INSERT OR DELETE ON "sla_breaches" FOR EACH ROW EXECUTE FUNCTION "sla_daily_breaches"();--> statement-breakpoint
-- A case removed takes its items and breaches out of the figures while its row (and region) is still there.
CREATE FUNCTION "cases_remove_children"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM sla_breaches WHERE case_id = OLD.case_id;
  DELETE FROM case_items WHERE case_id = OLD.case_id;
  RETURN OLD;
END
$$;--> statement-breakpoint
CREATE TRIGGER "cases_remove_children" BEFORE DELETE ON "cases" FOR EACH ROW EXECUTE FUNCTION "cases_remove_children"();--> statement-breakpoint
-- Recomputes both aggregates from the rows (this migration on an existing read model, and
-- the benchmark's seed, which writes with the triggers off).
CREATE FUNCTION "read_model_aggregates_rebuild"() RETURNS void LANGUAGE sql AS $$
  DELETE FROM case_counts;
  INSERT INTO case_counts (region, status, n) SELECT region, status, count(*) FROM cases GROUP BY region, status;
  DELETE FROM sla_daily;
  WITH facts AS (
    SELECT i.department, c.region, i.division, (i.decided_at AT TIME ZONE 'Asia/Shanghai')::date AS day, 1 AS decided,
           CASE WHEN EXISTS (SELECT 1 FROM sla_breaches b WHERE b.case_id = i.case_id AND b.item = i.item_key) THEN 0 ELSE 1 END AS on_time, 0 AS breached
      FROM case_items i JOIN cases c ON c.case_id = i.case_id
     WHERE i.status IN ('completed', 'rejected') AND i.decided_at IS NOT NULL
    UNION ALL
    SELECT b.department, b.region, i.division, (b.breached_at AT TIME ZONE 'Asia/Shanghai')::date, 0, 0, 1
      FROM sla_breaches b LEFT JOIN case_items i ON i.case_id = b.case_id AND i.item_key = b.item
  )
  INSERT INTO sla_daily (department, region, division, day, decided, on_time, breached)
  SELECT f.department, r.r, v.v, f.day, sum(f.decided), sum(f.on_time), sum(f.breached)
    FROM facts f
   CROSS JOIN LATERAL (SELECT DISTINCT r FROM unnest(ARRAY['', f.region]) AS r) r
   CROSS JOIN LATERAL (SELECT DISTINCT v FROM unnest(ARRAY['', left(f.division, 2), left(f.division, 4), f.division]) AS v WHERE v IS NOT NULL) v
   GROUP BY f.department, r.r, v.v, f.day
$$;--> statement-breakpoint
SELECT "read_model_aggregates_rebuild"();
