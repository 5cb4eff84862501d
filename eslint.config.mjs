// Lint rules that guard what the compiler cannot: workflow code stays deterministic,
// no promise is left floating (a lost rejection is a lost case step), and imports
// point one way (README, "Layout"):
//   scripts → api | worker → activities → domain → db → policy
//   workflows → policy (and the failure names in runtime/)
// runtime/ (configuration, logging, the Temporal connection and codec) serves api/,
// worker/ and scripts/ alike and depends on none of them.
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';

/** A folder as an import path may name it: the folder itself or anything inside. */
const folder = (name) => [`../**/${name}`, `../**/${name}/**`];
/** Imports a folder may not make, with the reason in the message. */
const forbid = (names, message, extra = {}) => ({ group: names.flatMap(folder), message, ...extra });

/**
 * Workflow code (the workflows themselves and their barrel) runs in the sandbox only:
 * elsewhere it may be named as a type (`typeof newbornCaseWorkflow`), never imported.
 * The workflow contracts beside it (messages, the case-event record and its reader,
 * search attributes) are plain modules that any layer above policy/ may use.
 */
const workflowCode = {
  regex: '^\\.\\.?/(\\.\\./)*workflows(/(index|newborn-case|audit-replay))?$',
  allowTypeImports: true,
  message: 'workflow code is for the worker: outside it, import the contracts (workflows/messages, case-events, search-attributes) or types',
};

const layers = {
  'policy/**/*.ts': [forbid(['db', 'domain', 'activities', 'workflows', 'worker', 'api', 'runtime', 'scripts', 'simulator'], 'policy/ is pure rules and data: it imports nothing of the service')],
  'db/**/*.ts': [
    forbid(['domain', 'activities', 'worker', 'api', 'runtime', 'scripts', 'simulator'], 'db/ is the schema and its queries: it sits below everything but policy/'),
    forbid(['workflows'], 'db/ may use the workflow messages as types only', { allowTypeImports: true }),
  ],
  'domain/**/*.ts': [
    forbid(['worker', 'api', 'scripts', 'simulator'], 'domain/ serves api/ and activities/ alike: it knows neither entry point'),
    forbid(['activities'], 'domain/ may use activity messages as types only', { allowTypeImports: true }),
    workflowCode,
  ],
  'runtime/**/*.ts': [forbid(['db', 'domain', 'activities', 'worker', 'api', 'scripts', 'simulator'], 'runtime/ is shared by api/ and worker/: it depends on neither')],
  'activities/**/*.ts': [forbid(['worker', 'api', 'scripts', 'simulator'], 'activities/ are bound by the worker: they know no entry point'), workflowCode],
  'api/**/*.ts': [forbid(['worker', 'activities', 'scripts', 'simulator'], 'api/ calls domain functions and talks to cases through the Temporal client, never worker/ or activities/'), workflowCode],
  'worker/**/*.ts': [forbid(['api', 'scripts', 'simulator'], 'worker/ runs workflows and activities: it knows nothing of the API or the launcher')],
  'simulator/**/*.ts': [forbid(['db', 'domain', 'activities', 'workflows', 'worker', 'api', 'runtime', 'scripts'], 'the simulator stands in for the departments: it shares nothing with the service but the vocabulary in policy/')],
};

export default tseslint.config(
  { ignores: ['node_modules/**', '.data/**', 'db/migrations/**'] },
  {
    files: ['**/*.ts'],
    languageOptions: { parser: tseslint.parser, parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    plugins: { '@typescript-eslint': tseslint.plugin },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
    },
  },
  ...Object.entries(layers).map(([files, patterns]) => ({ files: [files], rules: { 'no-restricted-imports': ['error', { patterns }] } })),
  {
    files: ['workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [...builtinModules, ...builtinModules.map((m) => `node:${m}`)].map((name) => ({ name, message: 'workflow code is replayed: no Node built-ins' })),
          patterns: [
            { group: [...folder('db'), ...folder('domain'), ...folder('api'), ...folder('worker'), ...folder('simulator'), ...folder('scripts')], message: 'workflow code does no I/O: talk to the world through activities' },
            { group: ['../**/runtime/**', '!../**/runtime/failures'], message: 'of runtime/, workflow code may import only the failure names' },
            { group: folder('activities'), allowTypeImports: true, message: 'import activity types only (import type)' },
          ],
        },
      ],
      'no-restricted-globals': [
        'error',
        { name: 'fetch', message: 'no I/O in workflow code' },
        { name: 'process', message: 'no environment reads in workflow code' },
        { name: 'setTimeout', message: 'use sleep() or condition() with a timeout' },
      ],
      'no-restricted-properties': ['error', { object: 'Math', property: 'random', message: 'not deterministic' }],
    },
  },
);
