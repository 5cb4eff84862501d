import type postgres from 'postgres';

// Synthetic read model of N national cases, written by PostgreSQL itself
// (generate_series): 1 M cases take minutes, not hours. The shape follows a province
// over a year: cases submitted evenly over 365 days, the newest 10 % still open (one
// item in review, most with a deadline ahead and one in ten past it, with an open breach),
// the others closed (completed, 5 % partially, 2 % withdrawn, 1 % ineligible); five
// items per case routed to 100 counties; a licence per completed item; 5 % of decided
// items breached; one read of personal data per ten cases. The case events are not
// seeded: no list or figure reads them at scale (the SLA median reads them for windows
// of at most 2,000 decisions).
//
// Written with triggers and foreign keys off (session_replication_role = replica), then
// the aggregates are rebuilt by the same function the migration uses, and analysed.

export const SEED_ITEMS = [
  { item: 'birth_certificate', department: 'hospital', licence: 'birth_medical_certificate', prefix: 'CSYX' },
  { item: 'vaccination_certificate', department: 'hospital', licence: 'vaccination_certificate', prefix: 'YFJZ' },
  { item: 'hukou_registration', department: 'police', licence: 'birth_registration', prefix: 'HKDJ' },
  { item: 'medical_insurance_enrollment', department: 'medical_insurance', licence: 'medical_insurance_enrollment', prefix: 'YBCB' },
  { item: 'social_security_card', department: 'hrss', licence: 'social_security_card', prefix: 'SBKA' },
] as const;

/** Counties of the synthetic province(s): divisions 6201xx (national, lanzhou) and 3101xx (shanghai). */
export const SEED_COUNTIES = 50;

const itemValues = SEED_ITEMS.map((it, position) => `(${position}, '${it.item}', '${it.department}', '${it.licence}', '${it.prefix}')`).join(', ');

export async function seedReadModel(sql: postgres.Sql, n: number, log: (line: string) => void): Promise<void> {
  const step = async (what: string, statement: string) => {
    const started = Date.now();
    await sql.unsafe(statement).simple();
    log(`  ${what}: ${((Date.now() - started) / 1000).toFixed(1)} s`);
  };
  await sql.unsafe(`set session_replication_role = replica; set synchronous_commit = off; set maintenance_work_mem = '256MB'`).simple();
  await step('truncate', `truncate cases, case_items, case_events, sla_breaches, licences, data_accesses, case_counts, sla_daily`);
  // One row per case, with what its items need to know.
  await step(
    'cases',
    `create temporary table seed as
     select g,
            'case-' || md5('bench' || g) as case_id,
            (array['national','national','national','national','national','national','lanzhou','lanzhou','shanghai','shanghai'])[g % 10 + 1] as region,
            date_trunc('milliseconds', now() - ((${n} - g)::float8 / ${n}) * interval '365 days') as submitted_at,
            case when g > ${n} * 0.9 then 'in_progress'
                 when g % 50 = 1 then 'withdrawn'
                 when g % 100 = 2 then 'ineligible'
                 when g % 20 = 3 then 'partially_completed'
                 else 'completed' end as status,
            g % 5 as progress
     from generate_series(1, ${n}) g;
     alter table seed add column division text;
     update seed set division = (case when region = 'shanghai' then '3101' else '6201' end) || lpad((((g / 10)::bigint * 7919) % ${SEED_COUNTIES})::text, 2, '0');
     insert into cases (case_id, region, policy_version, status, submitted_at, closed_at, applicant_hash, applicant_masked, revision, updated_at)
     select case_id, region, '2026.2', status, submitted_at,
            case when status = 'in_progress' then null else submitted_at + interval '30 hours' end,
            md5('applicant' || g), '110105********' || lpad((g % 10000)::text, 4, '0'), 20,
            case when status = 'in_progress' then submitted_at + interval '1 hour' else submitted_at + interval '30 hours' end
     from seed`,
  );
  await step(
    'items',
    `insert into case_items (case_id, item, item_key, position, department, institution, division, status, assignee, started_at, deadline, escalation_level, licence_number, licence_type, decided_by, decided_at, reason, submitted_at)
     select s.case_id, i.item, i.item, i.position, i.department,
            case when i.department = 'hospital' then 'H' || s.division || '001' else i.department || ':' || s.division end,
            s.division, st.status,
            case when st.status = 'in_review' and s.g % 2 = 0 then 'worker-' || (s.g % 7) end,
            case when st.status in ('completed', 'rejected', 'in_review') then s.submitted_at + i.position * interval '5 hours' end,
            case when st.status = 'in_review' then
                   case when s.g % 10 = 0 then date_trunc('milliseconds', now() - (s.g % 72) * interval '1 hour')
                        else date_trunc('milliseconds', now() + (s.g % 48) * interval '1 hour') end end,
            case when st.status = 'in_review' and s.g % 10 = 0 then 1 else 0 end,
            case when st.status = 'completed' then i.prefix || '2026' || lpad((s.g * 5 + i.position)::text, 10, '0') end,
            case when st.status = 'completed' then i.licence end,
            case when st.status in ('completed', 'rejected') then 'worker-' || (s.g % 7) end,
            case when st.status in ('completed', 'rejected') then s.submitted_at + (i.position + 1) * interval '5 hours' end,
            case when st.status = 'rejected' then 'REJECTED' when st.status = 'cancelled' then case when s.status = 'withdrawn' then 'WITHDRAWN' else 'INELIGIBLE' end end,
            s.submitted_at
     from seed s
     cross join (values ${itemValues}) as i(position, item, department, licence, prefix)
     cross join lateral (select case
        when s.status = 'completed' then 'completed'
        when s.status = 'partially_completed' then case when i.position = 4 then 'rejected' else 'completed' end
        when s.status in ('withdrawn', 'ineligible') then 'cancelled'
        when i.position < s.progress then 'completed'
        when i.position = s.progress then 'in_review'
        else 'pending' end as status) st`,
  );
  await step(
    'breaches',
    `insert into sla_breaches (case_id, item, seq, department, region, deadline, breached_at, escalation_level, resolved_at, cause)
     select i.case_id, i.item, 1, i.department, s.region,
            coalesce(i.deadline, i.started_at + interval '1 day'),
            coalesce(i.deadline, i.started_at + interval '1 day') + interval '1 second',
            1, i.decided_at, 'review'
     from case_items i join seed s on s.case_id = i.case_id
     where (i.status in ('completed', 'rejected') and (s.g * 31 + i.position) % 20 = 0)
        or (i.status = 'in_review' and i.deadline < now())`,
  );
  await step(
    'licences',
    `insert into licences (number, type, subject_key, subject_name, issuer, issuer_institution, case_id, item, status, issued_at, idempotency_key)
     select licence_number, licence_type, md5(case_id || item), '新生儿', department, institution, case_id, item, 'valid', decided_at, case_id || '/' || item
     from case_items where licence_number is not null`,
  );
  await step(
    'accesses',
    `insert into data_accesses (at, actor, role, institution, case_id, item_key, kind, sections)
     select submitted_at + interval '1 day', 'auditor-' || (g % 13), 'auditor', null, case_id, 'birth_certificate', 'item_view', '["delivery","child"]'::jsonb
     from seed where g % 10 = 0`,
  );
  await sql.unsafe(`set session_replication_role = origin`);
  await step('aggregates (read_model_aggregates_rebuild)', `select read_model_aggregates_rebuild()`);
  await step('vacuum analyze', `vacuum analyze`);
  await sql.unsafe(`drop table seed`);
}
