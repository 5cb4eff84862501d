import { matchDelivery, type DeliveryMatch } from '../policy/delivery';
import { assessItems, checkEligibility } from '../policy/eligibility';
import type { Application, EligibilityResult, ItemCode, ItemsEligibility, PolicyPack, VerifiedFacts } from '../policy/types';
import type { createRegistryLookups } from './departments';
import { childKey } from '../domain/identity';

// The workflow's own eligibility check: the same pure rules as the API's, fed with
// facts verified in the registries and the licence store instead of the applicant's
// claims. A registry that does not know a person leaves the claim standing. The verdict
// is an activity's result, so the history keeps it: a later change of the rules never
// changes what a running case was told.

export interface VerifyEligibilityInput {
  application: Application;
  pack: PolicyPack;
  submittedAt: string;
}

export interface VerifyItemEligibilityInput extends VerifyEligibilityInput {
  /** The items applied for, in pack order. */
  items: ItemCode[];
}

export interface CheckDeliveryInput {
  institutionCode: string;
  motherIdNumber: string;
  /** The birth time as the application (or its correction) states it. */
  bornAt: string;
}

export function createEligibilityActivities(deps: {
  idHashKey: string;
  registries: ReturnType<typeof createRegistryLookups>;
  hasValidLicence(input: { subjectKey: string; type: string }): Promise<boolean>;
}) {
  async function verifiedFacts(app: Application, pack: PolicyPack): Promise<VerifiedFacts> {
    const birthCertificate = pack.items.find((i) => i.item === 'birth_certificate');
    const [alreadyIssued, marriageStatus, motherHukou, fatherHukou] = await Promise.all([
      birthCertificate
        ? deps.hasValidLicence({ subjectKey: childKey(deps.idHashKey, app.mother.idNumber, app.delivery.bornAt), type: birthCertificate.licenceType })
        : false,
      // Without a father there is no couple to look up: the form then claims no marriage.
      app.father ? deps.registries.coupleMarriage({ mother: app.mother.idNumber, father: app.father.idNumber }) : undefined,
      deps.registries.hukouOf(app.mother.idNumber),
      app.father ? deps.registries.hukouOf(app.father.idNumber) : undefined,
    ]);
    const facts: VerifiedFacts = { birthCertificateAlreadyIssued: alreadyIssued };
    if (marriageStatus) facts.marriageStatus = marriageStatus;
    if (motherHukou?.found) facts.motherHukou = motherHukou.hukou ?? null;
    if (fatherHukou?.found) facts.fatherHukou = fatherHukou.hukou ?? null;
    return facts;
  }

  return {
    /** The whole-case verdict (cases started before eligibility per item). */
    async verifyEligibility(input: VerifyEligibilityInput): Promise<EligibilityResult> {
      return checkEligibility(input.application, input.pack, new Date(input.submittedAt), await verifiedFacts(input.application, input.pack));
    },

    /** The verdict item by item, on verified facts; packs without per-item conditions give every item the whole-case verdict. */
    async verifyItemEligibility(input: VerifyItemEligibilityInput): Promise<ItemsEligibility> {
      const facts = await verifiedFacts(input.application, input.pack);
      return assessItems(input.application, input.pack, input.items, new Date(input.submittedAt), facts);
    },

    // Each registry look-up its own activity (ELIGIBILITY_LOOKUPS): one registry's outage
    // repeats that look-up only, and its retries run at their own pace.

    /** Whether the licence store holds a valid birth certificate for this child. */
    async lookUpBirthCertificate(input: { motherIdNumber: string; bornAt: string; licenceType: string }): Promise<{ issued: boolean }> {
      return { issued: await deps.hasValidLicence({ subjectKey: childKey(deps.idHashKey, input.motherIdNumber, input.bornAt), type: input.licenceType }) };
    },

    /** The couple's marriage as the civil-affairs registry knows it; no status when it does not know them. */
    async lookUpMarriage(couple: { mother: string; father: string }): Promise<{ status?: NonNullable<VerifiedFacts['marriageStatus']> }> {
      const status = await deps.registries.coupleMarriage(couple);
      return status ? { status } : {};
    },

    /** A person's hukou as the police registry knows it. */
    async lookUpHukou(input: { idNumber: string }): Promise<Awaited<ReturnType<ReturnType<typeof createRegistryLookups>['hukouOf']>>> {
      return deps.registries.hukouOf(input.idNumber);
    },

    /** The verdict item by item on facts already looked up (the rules, recorded as a result). */
    async assessItemEligibility(input: VerifyItemEligibilityInput & { facts: VerifiedFacts }): Promise<ItemsEligibility> {
      return assessItems(input.application, input.pack, input.items, new Date(input.submittedAt), input.facts);
    },

    /** Whether the delivering institution recorded this birth (mother, institution, birth time within the tolerance). */
    async checkDeliveryRecord(input: CheckDeliveryInput): Promise<{ match: DeliveryMatch }> {
      const records = await deps.registries.deliveriesOf({ institutionCode: input.institutionCode, motherIdNumber: input.motherIdNumber, bornAt: input.bornAt });
      return { match: matchDelivery(records, input.bornAt) };
    },
  };
}
