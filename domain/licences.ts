import { and, asc, eq, isNotNull, sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import { licences } from '../db/schema';
import type { Department, ItemCode } from '../policy/types';
import type { Licence } from '../workflows/messages';
import { childKey, maternityKey } from './identity';

// The licence store (电子证照库). Numbers carry a per-type prefix, the year and a
// database sequence, so they are unique and readable.

const PREFIXES: Record<string, string> = {
  birth_medical_certificate: 'CSYX', // 出生医学证明
  vaccination_certificate: 'YFJZ', // 预防接种证
  birth_registration: 'CSDJ', // 出生登记
  medical_insurance_enrollment: 'YBCB', // 医保参保
  social_security_card: 'SBK', // 社会保障卡
  maternity_expense_settlement: 'SYBX', // 生育医疗费用报销
  parenting_guidance_registration: 'YEZD', // 育儿指导
  outpatient_record_booklet: 'MJZ', // 门急诊就医记录册
  medical_insurance_payment_receipt: 'YBJF', // 医保缴费
  maternity_medical_certificate: 'SYYX', // 生育医学证明
  family_planning_review: 'JSSH', // 计划生育审核
  maternity_insurance_benefit: 'SYDY', // 生育保险待遇
};

export function licencePrefix(type: string): string {
  return PREFIXES[type] ?? type.split('_').map((w) => w[0]?.toUpperCase() ?? '').join('');
}

type Executor = Pick<Db, 'execute'>;

/** Prefix of the type, year of issue, and a database sequence: unique and readable. */
async function nextLicenceNumber(db: Executor, type: string): Promise<string> {
  const [{ seq }] = await db.execute<{ seq: string }>(sql`select nextval('licence_number_seq')::text as seq`);
  return `${licencePrefix(type)}${new Date().getUTCFullYear()}${seq.padStart(10, '0')}`;
}

export type ReissueKind = 'replacement' | 'reissue'; // 换发 (damaged or changed) | 补发 (lost)

export type ReissueResult =
  | { outcome: 'reissued'; voided: { number: string; voidedAt: string }; issued: { number: string; type: string; issuer: string; institution?: string; issuedAt: string } }
  | { outcome: 'not_found' }
  | { outcome: 'already_void'; replacedBy: string | null };

/** The office asking: a case worker's department and institution. */
export interface Issuer {
  department: string;
  institution: string;
}

/**
 * Whether the office issued the licence: its institution, or, for a licence issued
 * before licences recorded one, any office of its department.
 */
export function issuedBy(licence: { issuer: string; issuerInstitution: string | null }, office: Issuer): boolean {
  return licence.issuerInstitution !== null ? licence.issuerInstitution === office.institution && licence.issuer === office.department : licence.issuer === office.department;
}

/**
 * 换发/补发: voids the licence and issues its successor in one transaction, so one
 * person never holds two valid licences of a type (the partial unique index makes
 * that a database invariant, whatever the callers do). Of two concurrent requests
 * for the same licence, the second finds it void and is refused. Only the issuing
 * office may; for any other the licence does not exist. The successor says what it
 * replaces, which kind, who did it and why: the case's timeline shows it.
 */
export async function reissueLicence(
  db: Db,
  request: { number: string; office: Issuer; actor: string; kind: ReissueKind; comment?: string; idempotencyKey: string },
): Promise<ReissueResult> {
  return db.transaction(async (tx) => {
    const [old] = await tx.select().from(licences).where(eq(licences.number, request.number)).for('update');
    if (!old || !issuedBy(old, request.office)) return { outcome: 'not_found' } as const;
    if (old.status !== 'valid') return { outcome: 'already_void', replacedBy: old.replacedBy } as const;
    const number = await nextLicenceNumber(tx, old.type);
    const voidedAt = new Date();
    await tx.update(licences).set({ status: 'void', voidedAt, replacedBy: number }).where(eq(licences.number, old.number));
    const [issued] = await tx
      .insert(licences)
      .values({
        number,
        type: old.type,
        subjectKey: old.subjectKey,
        subjectName: old.subjectName,
        issuer: old.issuer,
        // Issued by the office that asked: for an old licence without one, that office owns it from now on.
        issuerInstitution: request.office.institution,
        caseId: old.caseId,
        item: old.item,
        replaces: old.number,
        reissueKind: request.kind,
        reissuedBy: request.actor,
        reissueComment: request.comment ?? null,
        idempotencyKey: request.idempotencyKey,
      })
      .returning();
    return {
      outcome: 'reissued',
      voided: { number: old.number, voidedAt: voidedAt.toISOString() },
      issued: { number: issued.number, type: issued.type, issuer: issued.issuer, institution: request.office.institution, issuedAt: issued.issuedAt.toISOString() },
    } as const;
  });
}

export async function findLicence(db: Db, number: string) {
  const [row] = await db.select().from(licences).where(eq(licences.number, number));
  if (!row) return undefined;
  const { subjectKey: _key, idempotencyKey: _idem, ...visible } = row;
  return visible;
}

export interface LicenceEvent {
  at: string;
  type: 'licence_reissued';
  item?: string;
  actor?: string;
  detail: { kind: string; voided: string; number: string; type: string; institution?: string; comment?: string };
}

/**
 * The licence store's own account of a case's licences after issue: every 换发/补发,
 * oldest first. A reissue comes long after the case closed (a certificate lost years
 * later), when the workflow is gone: the timeline merges these instead.
 */
export async function reissueEvents(db: Db, caseId: string): Promise<LicenceEvent[]> {
  const rows = await db
    .select()
    .from(licences)
    .where(and(eq(licences.caseId, caseId), isNotNull(licences.replaces)))
    .orderBy(asc(licences.issuedAt), asc(licences.number));
  return rows.map((r) => ({
    at: r.issuedAt.toISOString(),
    type: 'licence_reissued',
    ...(r.item && { item: r.item }),
    ...(r.reissuedBy && { actor: r.reissuedBy }),
    detail: {
      kind: r.reissueKind ?? 'replacement',
      voided: r.replaces!,
      number: r.number,
      type: r.type,
      ...(r.issuerInstitution && { institution: r.issuerInstitution }),
      ...(r.reissueComment && { comment: r.reissueComment }),
    },
  }));
}

export interface NewLicence {
  caseId: string;
  /** The item's key in its case. */
  item: string;
  type: string;
  issuer: Department;
  /** The office that issues it (the item's institution); absent in activities scheduled before routing. */
  issuerInstitution?: string;
  /** Whom the licence is about: the child (no ID number yet) or the mother. */
  subject: 'child' | 'mother';
  motherIdNumber: string;
  bornAt: string;
  subjectName: string;
  /** Which child of the delivery (2, 3, …): twins born in the same minute are two subjects. */
  child?: number;
}

/** Thrown when the subject already holds a valid licence of the type (the partial unique index says so). */
export class LicenceAlreadyIssuedError extends Error {
  constructor(type: string) {
    super(`a valid ${type} licence already exists for this subject`);
    this.name = 'LicenceAlreadyIssuedError';
  }
}

/** Issues a licence once per idempotency key: a second call with the same key returns the first licence. */
export async function issueLicence(db: Db, idHashKey: string, idempotencyKey: string, input: NewLicence): Promise<Licence> {
  const [existing] = await db.select().from(licences).where(eq(licences.idempotencyKey, idempotencyKey));
  if (existing) return { number: existing.number, type: existing.type };
  const number = await nextLicenceNumber(db, input.type);
  try {
    const inserted = await db
      .insert(licences)
      .values({
        number,
        type: input.type,
        subjectKey: input.subject === 'child' ? childKey(idHashKey, input.motherIdNumber, input.bornAt, input.child) : maternityKey(idHashKey, input.motherIdNumber, input.bornAt),
        subjectName: input.subjectName,
        issuer: input.issuer,
        issuerInstitution: input.issuerInstitution ?? null,
        caseId: input.caseId,
        item: input.item,
        idempotencyKey,
      })
      .onConflictDoNothing({ target: licences.idempotencyKey })
      .returning();
    if (inserted.length > 0) return { number, type: input.type };
    const [first] = await db.select().from(licences).where(eq(licences.idempotencyKey, idempotencyKey));
    return { number: first.number, type: first.type };
  } catch (err) {
    if ((err as { code?: string }).code === '23505') throw new LicenceAlreadyIssuedError(input.type);
    throw err;
  }
}

export async function hasValidLicence(db: Db, subjectKey: string, type: string): Promise<boolean> {
  const rows = await db
    .select({ number: licences.number })
    .from(licences)
    .where(and(eq(licences.subjectKey, subjectKey), eq(licences.type, type), eq(licences.status, 'valid')))
    .limit(1);
  return rows.length > 0;
}
