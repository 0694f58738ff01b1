// Lint rules: typescript-eslint's recommended set, typed where it pays (floating promises).
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.tmp/**'] },
  ...tseslint.configs.recommended,
  {
    files: ['src/**/*.ts', 'test/**/*.ts', 'bench/**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // node:test's describe/it return promises the runner itself awaits.
      '@typescript-eslint/no-floating-promises': ['error', {
        allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['describe', 'it', 'test', 'suite', 'before', 'after', 'beforeEach', 'afterEach'] }],
      }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
    },
  },
  // The CLI's loader is CommonJS on purpose (see its header): require() is how it loads.
  { files: ['**/*.cjs'], rules: { '@typescript-eslint/no-require-imports': 'off' } },
  {
    files: ['src/**/*.ts'],
    ignores: ['src/cli/**'],
    rules: {
      'no-console': 'error',
      // node's recursive mkdir never returns where mkdir(2) says ENOENT under an existing parent (procfs).
      'no-restricted-syntax': ['error', {
        selector: "CallExpression[callee.name=/^mkdir(Sync)?$/] Property[key.name='recursive']",
        message: 'use makeDirs (src/util/make-dirs.ts): node\'s recursive mkdir can loop forever',
      }],
    },
  },
);
