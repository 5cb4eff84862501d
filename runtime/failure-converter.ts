import { DefaultFailureConverter } from '@temporalio/common';

// Loaded by path (data converters cross into the workflow sandbox by module, not by
// value): the worker, the workflow bundle and every client encode a failure's message
// and stack trace as a payload, which the codec then encrypts. A failure's words may
// quote what a case holds; in a history they would otherwise stay in clear for good.
export const failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
