import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

// Only codes and enums: search attributes are stored in clear text by the engine and
// must never carry personal data.
export const caseRegionKey = defineSearchAttributeKey('CaseRegion', SearchAttributeType.KEYWORD);
export const caseStatusKey = defineSearchAttributeKey('CaseStatus', SearchAttributeType.KEYWORD);
export const policyVersionKey = defineSearchAttributeKey('PolicyVersion', SearchAttributeType.KEYWORD);
/** `department:item` of every item past its deadline and undecided. */
export const overdueItemsKey = defineSearchAttributeKey('OverdueItems', SearchAttributeType.KEYWORD_LIST);

/** Name → CLI type, for registering them on a server. */
export const SEARCH_ATTRIBUTES: Record<string, string> = {
  CaseRegion: 'Keyword',
  CaseStatus: 'Keyword',
  PolicyVersion: 'Keyword',
  OverdueItems: 'KeywordList',
};
