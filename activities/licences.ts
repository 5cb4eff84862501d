import { ApplicationFailure } from '@temporalio/activity';
import { and, eq, sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import { licences } from '../db/schema';
import type { Department, ItemCode } from '../policy/types';
import type { Licence } from '../workflows/messages';
import { idempotencyKey } from './departments';
import { childKey, personKey } from './identity';

// The licence store (电子证照库). Numbers carry a per-type prefix, the year and a
// database sequence, so they are unique and readable.

const PREFIXES: Record<string, string> = {
  birth_medical_certificate: 'CSYX',
  vaccination_certificate: 'YFJZ',
  household_registration: 'HKDJ',
  medical_insurance_enrollment: 'YBCB',
  social_security_card: 'SBK',
};

export function licencePrefix(type: string): string {
  return PREFIXES[type] ?? type.split('_').map((w) => w[0]?.toUpperCase() ?? '').join('');
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
      const [{ seq }] = await db.execute<{ seq: string }>(sql`select nextval('licence_number_seq')::text as seq`);
      const number = `${licencePrefix(input.type)}${new Date().getUTCFullYear()}${seq.padStart(10, '0')}`;
      try {
        const inserted = await db
          .insert(licences)
          .values({
            number,
            type: input.type,
            subjectKey: input.subject === 'child' ? childKey(idHashKey, input.motherIdNumber, input.bornAt) : personKey(idHashKey, input.motherIdNumber),
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
