export { newbornCaseWorkflow } from './newborn-case';
export { auditReplayWorkflow } from './audit-replay';
