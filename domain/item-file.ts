import { WorkflowNotFoundError, isGrpcServiceError, type Client } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { sectionsOf } from '../policy/packs';
import { applicationForChild } from '../policy/item-keys';
import { attachedDocuments, itemData, routeItem } from '../policy/routing';
import type { Db } from '../db/client';
import { itemFileQuery, type CaseInput, type CaseView, type Document, type ItemFile, type SupplyDocumentsInput } from '../workflows/messages';
import { decodeAll, loadCaseHistory } from './history';

// The file a case worker decides from: the sections of the application the pack grants
// the item's department, the licences handed on and the documents. The application is
// never stored in clear outside the engine: it is read from the case itself, through
// the client's codec, while the engine holds the case, and from its archived history
// (encrypted as the engine wrote it) once the engine has let it go.

const GRPC_NOT_FOUND = 5;

export async function itemFile(client: Client, db: Db, converter: DataConverter, view: CaseView, key: string): Promise<ItemFile | undefined> {
  try {
    return await client.workflow.getHandle(view.caseId).query(itemFileQuery, key);
  } catch (err) {
    if (!(err instanceof WorkflowNotFoundError || (isGrpcServiceError(err) && err.code === GRPC_NOT_FOUND))) throw err;
  }
  return archivedItemFile(client, db, converter, view, key);
}

/** The same file, worked out from the archived history with the policy functions the workflow uses. */
async function archivedItemFile(client: Client, db: Db, converter: DataConverter, view: CaseView, key: string): Promise<ItemFile | undefined> {
  const found = await loadCaseHistory(client, db, view.caseId);
  if (!found) return undefined;
  let input: CaseInput | undefined;
  const supplements: Document[] = [];
  for (const event of found.history.events ?? []) {
    const started = event.workflowExecutionStartedEventAttributes;
    if (started) input = (await decodeAll(converter, started.input?.payloads))[0] as CaseInput | undefined;
    const request = event.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input;
    if (request?.name === 'supplyDocuments') {
      const [supplied] = (await decodeAll(converter, request.args?.payloads)) as SupplyDocumentsInput[];
      if (supplied?.item === key) supplements.push(...supplied.documents);
    }
  }
  const [code, n] = key.split('.');
  const child = n === undefined ? undefined : Number(n);
  const def = input?.pack.items.find((d) => d.item === code);
  if (!input || !def || !input.items.includes(def.item)) return undefined;
  const keyOf = (it: CaseView['items'][number]) => it.key ?? it.item;
  const licences = new Map(view.items.flatMap((it) => (it.licence ? [[keyOf(it), it.licence]] : [])));
  // A child's item had the same child's prerequisites (a mother's, every child's).
  const prerequisiteKeys = def.prerequisites.flatMap((p) => view.items.filter((it) => it.item === p && (child === undefined || it.child === undefined || it.child === child)).map(keyOf));
  return {
    item: key,
    institution: routeItem(def, input.application).institution,
    sections: [...sectionsOf(def)],
    data: itemData(def, applicationForChild(input.application, child)),
    proofs: prerequisiteKeys.flatMap((p) => licences.get(p) ?? []),
    documents: [...attachedDocuments(input.application, def.item), ...supplements],
  };
}
