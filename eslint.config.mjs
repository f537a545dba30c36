import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      '**/node_modules/**',
      '**/dist/**',
      '**/.nx/**',
      '**/.sst/**',
      '**/tmp/**',
      '**/coverage/**',
      '**/.next/**',
      '**/next-env.d.ts',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        require: 'readonly',
        module: 'writable',
        __dirname: 'readonly',
        Buffer: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        URL: 'readonly',
        fetch: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // CommonJS is the module system of the plain .js/.cjs files (Jest configs, scripts, fixtures).
      '@typescript-eslint/no-require-imports': 'off',
    },
  },
  {
    // A require() in shipped TypeScript hides a dependency from the reader and the linter: an import
    // it is, unless laziness keeps a start-up path fast (bind, the task preload, the Nx plugin, --help,
    // `types` and a no-op deploy) or the path is only known at run time. Each require that stays
    // carries its reason in its eslint-disable-next-line directive (`-- lazy: …`).
    files: ['**/*.ts'],
    rules: { '@typescript-eslint/no-require-imports': 'error' },
  },
  {
    // Specs, test utilities and the end-to-end harness load what they test from the built or packed
    // packages (paths known at run time) or on purpose inside one test; their start-up is no one's
    // and converting them would be churn.
    files: ['**/*.spec.ts', '**/test-utils/**', 'e2e/**'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
