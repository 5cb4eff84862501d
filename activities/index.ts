import type { Db } from '../db/client';
import { createDepartmentActivities, createRegistryLookups } from './departments';
import { createEligibilityActivities } from './eligibility';
import { createLicenceActivities } from './licences';
import { createReadModelActivities } from './read-model';
import { createSlaActivities } from './sla';

export interface ActivityDeps {
  db: Db;
  departmentsUrl: string;
  idHashKey: string;
  slaDaySeconds?: number;
}

/** All activities of the case workflow, bound to their systems. The worker calls this once. */
export function createActivities(deps: ActivityDeps) {
  const licences = createLicenceActivities({ db: deps.db, idHashKey: deps.idHashKey });
  return {
    ...createDepartmentActivities({ baseUrl: deps.departmentsUrl }),
    ...licences,
    ...createEligibilityActivities({ idHashKey: deps.idHashKey, registries: createRegistryLookups({ baseUrl: deps.departmentsUrl }), hasValidLicence: licences.hasValidLicence }),
    ...createReadModelActivities({ db: deps.db }),
    ...createSlaActivities({ slaDaySeconds: deps.slaDaySeconds }),
  };
}

export type CaseActivities = ReturnType<typeof createActivities>;
