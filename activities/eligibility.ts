import { checkEligibility } from '../policy/eligibility';
import type { Application, EligibilityResult, PolicyPack, VerifiedFacts } from '../policy/types';
import { childKey } from './identity';

// The workflow's own eligibility check: the same pure rules as the API's, fed with
// facts looked up in the licence store instead of the applicant's claims.

export interface VerifyEligibilityInput {
  application: Application;
  pack: PolicyPack;
  submittedAt: string;
}

export function createEligibilityActivities(deps: {
  idHashKey: string;
  hasValidLicence(input: { subjectKey: string; type: string }): Promise<boolean>;
}) {
  return {
    async verifyEligibility(input: VerifyEligibilityInput): Promise<EligibilityResult> {
      const { application: app, pack } = input;
      const birthCertificate = pack.items.find((i) => i.item === 'birth_certificate');
      const facts: VerifiedFacts = {
        birthCertificateAlreadyIssued: birthCertificate
          ? await deps.hasValidLicence({
              subjectKey: childKey(deps.idHashKey, app.mother.idNumber, app.delivery.bornAt),
              type: birthCertificate.licenceType,
            })
          : false,
      };
      return checkEligibility(app, pack, new Date(input.submittedAt), facts);
    },
  };
}
