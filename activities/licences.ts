import { ApplicationFailure } from '@temporalio/activity';
import { and, eq, sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import { licences } from '../db/schema';
import type { Department, ItemCode } from '../policy/types';
import type { Licence } from '../workflows/messages';
import { idempotencyKey } from './departments';
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
  | { outcome: 'reissued'; voided: { number: string; voidedAt: string }; issued: { number: string; type: string; issuer: string; issuedAt: string } }
  | { outcome: 'not_found' }
  | { outcome: 'wrong_issuer'; issuer: string }
  | { outcome: 'already_void'; replacedBy: string | null };

/**
 * 换发/补发: voids the licence and issues its successor in one transaction, so one
 * person never holds two valid licences of a type (the partial unique index makes
 * that a database invariant, whatever the callers do). Of two concurrent requests
 * for the same licence, the second finds it void and is refused.
 */
export async function reissueLicence(db: Db, request: { number: string; issuer: string; kind: ReissueKind; idempotencyKey: string }): Promise<ReissueResult> {
  return db.transaction(async (tx) => {
    const [old] = await tx.select().from(licences).where(eq(licences.number, request.number)).for('update');
    if (!old) return { outcome: 'not_found' } as const;
    if (old.issuer !== request.issuer) return { outcome: 'wrong_issuer', issuer: old.issuer } as const;
    if (old.status !== 'valid') return { outcome: 'already_void', replacedBy: old.replacedBy } as const;
    const number = await nextLicenceNumber(tx, old.type);
    const voidedAt = new Date();
    await tx.update(licences).set({ status: 'void', voidedAt, replacedBy: number }).where(eq(licences.number, old.number));
    const [issued] = await tx
      .insert(licences)
      .values({ number, type: old.type, subjectKey: old.subjectKey, subjectName: old.subjectName, issuer: old.issuer, caseId: old.caseId, item: old.item, idempotencyKey: request.idempotencyKey })
      .returning();
    return {
      outcome: 'reissued',
      voided: { number: old.number, voidedAt: voidedAt.toISOString() },
      issued: { number: issued.number, type: issued.type, issuer: issued.issuer, issuedAt: issued.issuedAt.toISOString() },
    } as const;
  });
}

export async function findLicence(db: Db, number: string) {
  const [row] = await db.select().from(licences).where(eq(licences.number, number));
  if (!row) return undefined;
  const { subjectKey: _key, idempotencyKey: _idem, ...visible } = row;
  return visible;
}

export interface IssueLicenceInput {
  caseId: string;
  item: ItemCode;
  type: string;
  issuer: Department;
  /** Whom the licence is about: the child (no ID number yet) or the mother. */
  subject: 'child' | 'mother';
  motherIdNumber: string;
  bornAt: string;
  subjectName: string;
}

export function createLicenceActivities({ db, idHashKey }: { db: Db; idHashKey: string }) {
  return {
    /** Issues the item's licence once: a retry with the same activity returns the first one. */
    async issueLicence(input: IssueLicenceInput): Promise<Licence> {
      const key = idempotencyKey();
      const [existing] = await db.select().from(licences).where(eq(licences.idempotencyKey, key));
      if (existing) return { number: existing.number, type: existing.type };
      const number = await nextLicenceNumber(db, input.type);
      try {
        const inserted = await db
          .insert(licences)
          .values({
            number,
            type: input.type,
            subjectKey: (input.subject === 'child' ? childKey : maternityKey)(idHashKey, input.motherIdNumber, input.bornAt),
            subjectName: input.subjectName,
            issuer: input.issuer,
            caseId: input.caseId,
            item: input.item,
            idempotencyKey: key,
          })
          .onConflictDoNothing({ target: licences.idempotencyKey })
          .returning();
        if (inserted.length > 0) return { number, type: input.type };
        const [first] = await db.select().from(licences).where(eq(licences.idempotencyKey, key));
        return { number: first.number, type: first.type };
      } catch (err) {
        if ((err as { code?: string }).code === '23505') {
          throw ApplicationFailure.nonRetryable(`a valid ${input.type} licence already exists for this subject`, 'LicenceAlreadyIssued');
        }
        throw err;
      }
    },

    async hasValidLicence(input: { subjectKey: string; type: string }): Promise<boolean> {
      const rows = await db
        .select({ number: licences.number })
        .from(licences)
        .where(and(eq(licences.subjectKey, input.subjectKey), eq(licences.type, input.type), eq(licences.status, 'valid')))
        .limit(1);
      return rows.length > 0;
    },
  };
}
