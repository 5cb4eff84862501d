import type { Db } from '../db/client';
import { createAuditActivities, type ReplayCases } from './audit';
import { createDepartmentEventActivities } from './department-events';
import { createDepartmentActivities, createRegistryLookups } from './departments';
import { createEligibilityActivities } from './eligibility';
import { createJourneyActivities } from './journey';
import { createLicenceActivities } from './licences';
import { createNotificationActivities } from './notifications';
import { createReadModelActivities } from './read-model';
import { createSlaActivities } from './sla';

export interface ActivityDeps {
  db: Db;
  departmentsUrl: string;
  idHashKey: string;
  slaDaySeconds?: number;
  /** Close of office hours, HH:MM Asia/Shanghai (default 17:30). */
  officeClose?: string;
  /** Base working-day calendar (default: chinese-days); tests use one that covers nothing. */
  calendar?: Parameters<typeof createSlaActivities>[0]['calendar'];
  /** The SMS gateway; by default the department gateway's /sms endpoint. */
  smsUrl?: string;
  /** How often a waiting item asks its department's system for the event that decides it (default 15 s). */
  departmentEventPollMs?: number;
  /** Replays histories against the worker's workflow code (auditors' replays). */
  replayCases?: ReplayCases;
}

/** All activities of the case workflow, bound to their systems. The worker calls this once. */
export function createActivities(deps: ActivityDeps) {
  const licences = createLicenceActivities({ db: deps.db, idHashKey: deps.idHashKey });
  return {
    ...createDepartmentActivities({ baseUrl: deps.departmentsUrl }),
    ...createDepartmentEventActivities({ baseUrl: deps.departmentsUrl, pollMs: deps.departmentEventPollMs }),
    ...licences,
    ...createEligibilityActivities({ idHashKey: deps.idHashKey, registries: createRegistryLookups({ baseUrl: deps.departmentsUrl }), hasValidLicence: licences.hasValidLicence }),
    ...createReadModelActivities({ db: deps.db }),
    ...createSlaActivities({ db: deps.db, slaDaySeconds: deps.slaDaySeconds, officeClose: deps.officeClose, calendar: deps.calendar }),
    ...createNotificationActivities({ db: deps.db, smsBaseUrl: deps.smsUrl ?? deps.departmentsUrl }),
    ...createAuditActivities({ replayCases: deps.replayCases }),
    ...createJourneyActivities({ db: deps.db, baseUrl: deps.departmentsUrl }),
  };
}

export type CaseActivities = ReturnType<typeof createActivities>;
