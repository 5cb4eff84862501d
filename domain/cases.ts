import type { Db } from '../db/client';
import { caseItems, cases } from '../db/schema';
import type { ItemConcerns } from '../policy/types';
import type { CaseDelivery, CaseView } from '../workflows/messages';

/**
 * Shows a case just submitted, before the workflow's first projection lands, so that
 * the applicant's next GET finds it. Revision 0 and insert-only: it never overwrites
 * what the workflow projected already, and the workflow projects the case anyway.
 */
export async function recordSubmission(db: Db, submitted: { view: CaseView; applicantHash: string; applicantMasked: string; divisions?: Record<string, string>; delivery?: CaseDelivery; concerns?: Record<string, ItemConcerns> }): Promise<void> {
  const { delivery } = submitted;
  const { view } = submitted;
  await db.transaction(async (tx) => {
    const inserted = await tx
      .insert(cases)
      .values({
        caseId: view.caseId,
        region: view.region,
        policyVersion: view.policyVersion,
        status: view.status,
        submittedAt: new Date(view.submittedAt),
        applicantHash: submitted.applicantHash,
        applicantMasked: submitted.applicantMasked,
        revision: 0,
        updatedAt: new Date(),
        ...(delivery && {
          motherHash: delivery.motherHash,
          deliveryBornAt: new Date(delivery.bornAt),
          attempt: delivery.attempt,
          previousAttempt: delivery.previousAttempt ?? null,
          registrationDeadline: delivery.registrationDeadline ? new Date(delivery.registrationDeadline) : null,
        }),
      })
      .onConflictDoNothing()
      .returning({ caseId: cases.caseId });
    if (inserted.length === 0) return;
    await tx
      .insert(caseItems)
      .values(
        view.items.map((it, position) => ({
          caseId: view.caseId,
          item: it.item,
          itemKey: it.key ?? it.item,
          child: it.child ?? null,
          concerns: submitted.concerns?.[it.key ?? it.item] ?? null,
          position,
          department: it.department,
          institution: it.institution ?? null,
          division: submitted.divisions?.[it.key ?? it.item] ?? null,
          status: it.status,
          escalationLevel: it.escalationLevel,
          reason: it.reason ?? null,
          reasons: it.reasons ?? null,
        })),
      )
      .onConflictDoNothing();
  });
}
