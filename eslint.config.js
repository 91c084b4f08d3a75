// Lint for ts/, tests/ and the lab (web/src/): the recommended JS and TypeScript rules (syntax only, no type information,
// so it runs in seconds), plus the few conventions this code keeps. Layering is checked by
// tests/layering.test.ts, which also sees dynamic imports.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

export default tseslint.config(
  { ignores: ['dist/**', 'dist-web/**', 'node_modules/**', 'crate/**', 'coverage/**', 'reports/**', '.stryker-tmp/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  // Scripts beside the tests (fixture makers) run in Node.
  { files: ['**/*.mjs'], languageOptions: { globals: globals.node } },
  {
    files: ['ts/**/*.ts', 'tests/**/*.ts', 'web/src/**/*.ts'],
    rules: {
      // `_name` marks a value destructured away on purpose.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_', ignoreRestSiblings: true }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports', disallowTypeAnnotations: false }],
      eqeqeq: ['error', 'always'],
      'no-console': ['error', { allow: ['warn', 'error'] }],
      'prefer-const': 'error',
      'max-len': ['error', { code: 200, ignoreStrings: true, ignoreTemplateLiterals: true, ignoreRegExpLiterals: true, ignoreUrls: true }],
    },
  },
  {
    // Tests and the CLI print; tests use non-null assertions on results they just checked.
    files: ['tests/**/*.ts', 'ts/cli/**/*.ts'],
    rules: { 'no-console': 'off', '@typescript-eslint/no-non-null-assertion': 'off', 'no-control-regex': 'off' },
  },
);
