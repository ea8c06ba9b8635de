// ESLint (flat config) with typescript-eslint's type-aware rules. `npm run lint` checks everything;
// `npm test` checks the paths in LINT_PATHS (spec/support/test-command.ts).
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

export default defineConfig(
  { ignores: ['dist/', 'coverage/', 'node_modules/', '.cache/', 'bench/results/', 'spec/fixtures/'] },
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
  // Plain JavaScript (this file) has no types to check.
  { files: ['**/*.js', '**/*.cjs', '**/*.mjs'], extends: [tseslint.configs.disableTypeChecked] },
);
