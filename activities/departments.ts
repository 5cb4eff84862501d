import { Context } from '@temporalio/activity';
import { z } from 'zod';
import { ACTIVITY_FAILURES } from '../runtime/failures';
import type { Application, ApplicationSection, Department, ItemCode } from '../policy/types';
import type { Document, Licence } from '../workflows/messages';
import { postJson } from './http';

// Adapter to the department systems (hospital, police, hrss, medical insurance,
// health), reached over HTTP as a real deployment would reach each bureau's gateway.
// Every call carries an idempotency key derived from the workflow and activity IDs,
// so a retried activity never causes a second effect at the department.

export interface SubmitItemInput {
  caseId: string;
  region: string;
  /** The item's key in the case (its code unless the delivery has more than one child). */
  item: string;
  department: Department;
  /** The office the item is routed to; absent in activities scheduled before routing existed. */
  institution?: string;
  /** Licences of the prerequisite items, handed on as proof. */
  proofs: Licence[];
  /** The sections of the application the pack grants the department, and their content. */
  sections?: ApplicationSection[];
  data?: Partial<Pick<Application, ApplicationSection>>;
  /** Documents the applicant attached to this item. */
  documents?: Document[];
}

export interface Receipt {
  receiptId: string;
  receivedAt: string;
}

export interface SupplyItemInput {
  caseId: string;
  item: string;
  department: Department;
  receiptId: string;
  documents: Document[];
}

export function idempotencyKey(): string {
  const { workflowExecution, activityId } = Context.current().info;
  return `${workflowExecution?.workflowId}/${workflowExecution?.runId}/${activityId}`;
}

export function createDepartmentActivities(options: { baseUrl: string; requestTimeoutMs?: number }) {
  const timeoutMs = options.requestTimeoutMs ?? 10_000;

  const call = <T>(path: string, body: unknown) =>
    postJson<T>(options.baseUrl, path, body, {
      peer: 'department',
      timeoutMs,
      idempotencyKey: idempotencyKey(),
      signal: Context.current().cancellationSignal,
      refusalType: ACTIVITY_FAILURES.departmentRefused,
    });

  return {
    /**
     * Hands an item to its department's office with what the pack grants it: the
     * sections of the application, the licences of earlier steps and the documents
     * attached to the item. The SLA clock starts when this returns.
     */
    async submitItem(input: SubmitItemInput): Promise<Receipt> {
      return call<Receipt>(`/departments/${input.department}/applications`, {
        caseRef: input.caseId,
        region: input.region,
        item: input.item,
        ...(input.institution && { institution: input.institution }),
        proofs: input.proofs,
        sections: input.sections ?? [],
        data: input.data ?? {},
        documents: input.documents ?? [],
      });
    },

    /** Forwards the applicant's supplementary documents (补正材料) to the department. */
    async supplyItem(input: SupplyItemInput): Promise<Receipt> {
      return call<Receipt>(`/departments/${input.department}/applications/${encodeURIComponent(input.receiptId)}/supplements`, {
        item: input.item,
        documents: input.documents,
      });
    },
  };
}

// What the registries answer, parsed rather than trusted: a value we do not know is
// the registry's fault, retried like an outage, never read as "not married".
const marriageAnswer = z.object({ found: z.boolean(), status: z.enum(['married', 'unmarried', 'divorced', 'widowed']).optional() });
const hukouAnswer = z.object({
  found: z.boolean(),
  hukou: z.object({ divisionCode: z.string().regex(/^\d{6}$/), householdType: z.enum(['family', 'collective']) }).nullable().optional(),
});
const deliveryAnswer = z.object({ records: z.array(z.object({ bornAt: z.iso.datetime({ offset: true }) })) });

export type MarriageStatus = NonNullable<z.infer<typeof marriageAnswer>['status']>;
export type HukouLookup = z.infer<typeof hukouAnswer>;

function parseAnswer<S extends z.ZodType>(schema: S, registry: string, answer: unknown): z.output<S> {
  const parsed = schema.safeParse(answer);
  // Field paths only: the answer itself may carry personal data.
  if (!parsed.success) throw new Error(`the ${registry} registry answered in an unknown form (${parsed.error.issues.map((i) => i.path.join('.') || 'body').join(', ')})`);
  return parsed.data;
}

/**
 * Look-ups in the civil-affairs and police registries and in the delivering hospitals'
 * records: what the workflow verifies claims against.
 */
export function createRegistryLookups(options: { baseUrl: string; requestTimeoutMs?: number }) {
  const timeoutMs = options.requestTimeoutMs ?? 10_000;
  // Reads: every failure is retried by the calling activity.
  const lookUp = (path: string, body: unknown) => postJson<unknown>(options.baseUrl, path, body, { peer: 'registry', timeoutMs });
  return {
    /**
     * The marriage of these two people to each other, as civil affairs registered it:
     * `married` only for a marriage between them, so a father married to someone else
     * is not married to the mother; undefined when the registry knows neither of them.
     */
    async coupleMarriage(couple: { mother: string; father: string }): Promise<MarriageStatus | undefined> {
      const answer = parseAnswer(marriageAnswer, 'marriage', await lookUp('/registries/marriage/couple', { idNumbers: [couple.mother, couple.father] }));
      if (answer.found && !answer.status) throw new Error('the marriage registry found the couple but gave no status');
      return answer.found ? answer.status : undefined;
    },
    async hukouOf(idNumber: string): Promise<HukouLookup> {
      return parseAnswer(hukouAnswer, 'hukou', await lookUp('/registries/hukou/lookup', { idNumber }));
    },
    /**
     * The deliveries of this mother the institution recorded (birth times only). The
     * birth time the application states goes along (the hospital receives the delivery
     * section anyway); a real system answers with its records whatever it is.
     */
    async deliveriesOf(query: { institutionCode: string; motherIdNumber: string; bornAt: string }): Promise<{ bornAt: string }[]> {
      return parseAnswer(deliveryAnswer, 'delivery', await lookUp('/departments/hospital/deliveries/lookup', query)).records;
    },
  };
}
