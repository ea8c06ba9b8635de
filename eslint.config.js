// ESLint (flat config) with typescript-eslint's type-aware rules. `npm run lint` checks everything;
// `npm test` checks the paths in LINT_PATHS (spec/support/test-command.ts).
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

// Node's globals, by hand (the `globals` package is not a dependency): the ones our JavaScript uses
// and their usual neighbours.
const nodeGlobals = Object.fromEntries(
  [
    'process', 'console', 'Buffer', 'URL', 'URLSearchParams', 'AbortController', 'AbortSignal',
    'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'setImmediate', 'clearImmediate',
    'queueMicrotask', 'structuredClone', 'globalThis',
  ].map((name) => [name, 'readonly']),
);

export default defineConfig(
  {
    ignores: [
      'dist/', 'coverage/', 'node_modules/', '.cache/', 'bench/results/', 'spec/fixtures/', '.prof/', '.scratch/',
      // Written by `npm run build:types` (git-ignored) from the driver's own typings: its findings
      // (e.g. `any | null` where the driver has `TSchema | null`) are the driver's, not ours.
      // Its source, lib/types/generate/, is linted.
      'lib/types/generated/**',
    ],
  },
  js.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // A promise nobody awaits loses its rejection: rotor's whole job is routing async results.
      '@typescript-eslint/no-floating-promises': 'error',
      // switch (attr.kind) and friends must name every member of the union (a default does not count).
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      // rotor's boundary is dynamic by design: driver objects of any target behind Proxy traps,
      // test-file documents, values crossing to a worker. `any` there is the honest type, and these
      // rules would flag that design (about 700 findings over lib/, spec/, bench/), not bugs.
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      // `_name`: deliberately unused (a parameter kept for the signature, a destructured-away key).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_' }],
    },
  },
  // lib/register/*.cts are CommonJS on purpose (`node --require rotor/register`): `import x =
  // require('…')` is TypeScript's CommonJS import there. A bare `require()` stays flagged.
  {
    files: ['**/*.cts'],
    rules: { '@typescript-eslint/no-require-imports': ['error', { allowAsImport: true }] },
  },
  // Plain JavaScript (this file, scripts/start.mjs) has no types to check; it runs on Node.
  {
    files: ['**/*.js', '**/*.cjs', '**/*.mjs'],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: { globals: nodeGlobals },
  },
);
