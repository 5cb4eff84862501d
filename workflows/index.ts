export { newbornCaseWorkflow } from './newborn-case';
