// Lint rules that guard what the compiler cannot: workflow code stays deterministic,
// and no promise is left floating (a lost rejection is a lost case step).
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';

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
  {
    files: ['workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [...builtinModules, ...builtinModules.map((m) => `node:${m}`)].map((name) => ({ name, message: 'workflow code is replayed: no Node built-ins' })),
          patterns: [
            { group: ['**/db/**', '**/api/**', '**/worker/**', '**/simulator/**'], message: 'workflow code does no I/O: talk to the world through activities' },
            { group: ['**/activities', '**/activities/**'], allowTypeImports: true, message: 'import activity types only (import type)' },
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
