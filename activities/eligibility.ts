import { checkEligibility } from '../policy/eligibility';
import type { Application, EligibilityResult, PolicyPack, VerifiedFacts } from '../policy/types';
import type { createRegistryLookups } from './departments';
import { childKey } from './identity';

// The workflow's own eligibility check: the same pure rules as the API's, fed with
// facts verified in the registries and the licence store instead of the applicant's
// claims. A registry that does not know a person leaves the claim standing.

export interface VerifyEligibilityInput {
  application: Application;
  pack: PolicyPack;
  submittedAt: string;
}

export function createEligibilityActivities(deps: {
  idHashKey: string;
  registries: ReturnType<typeof createRegistryLookups>;
  hasValidLicence(input: { subjectKey: string; type: string }): Promise<boolean>;
}) {
  return {
    async verifyEligibility(input: VerifyEligibilityInput): Promise<EligibilityResult> {
      const { application: app, pack } = input;
      const parents = [app.mother, ...(app.father ? [app.father] : [])];
      const birthCertificate = pack.items.find((i) => i.item === 'birth_certificate');
      const [alreadyIssued, marriageStatus, motherHukou, fatherHukou] = await Promise.all([
        birthCertificate
          ? deps.hasValidLicence({ subjectKey: childKey(deps.idHashKey, app.mother.idNumber, app.delivery.bornAt), type: birthCertificate.licenceType })
          : false,
        deps.registries.marriageStatus(parents.map((p) => p.idNumber)),
        deps.registries.hukouOf(app.mother.idNumber),
        app.father ? deps.registries.hukouOf(app.father.idNumber) : undefined,
      ]);
      const facts: VerifiedFacts = { birthCertificateAlreadyIssued: alreadyIssued };
      if (marriageStatus) facts.marriageStatus = marriageStatus as VerifiedFacts['marriageStatus'];
      if (motherHukou?.found) facts.motherHukou = motherHukou.hukou ?? null;
      if (fatherHukou?.found) facts.fatherHukou = fatherHukou.hukou ?? null;
      return checkEligibility(app, pack, new Date(input.submittedAt), facts);
    },
  };
}
