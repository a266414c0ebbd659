import js from '@eslint/js';
import globals from 'globals';
import svelte from 'eslint-plugin-svelte';
import tseslint from 'typescript-eslint';

const nodeBuiltins = [
  'node:*',
  'fs',
  'path',
  'os',
  'child_process',
  'crypto',
  'http',
  'net',
  'url',
  'worker_threads',
];
const mainLayers = [
  'app',
  'ipc',
  'preload',
  'server',
  'services',
  'store',
  'jobs',
  'worker',
  'engine',
  'cli',
];
const layerPatterns = (layers) =>
  layers.map((layer) => ({
    group: [`**/${layer}/**`, `**/${layer}`],
    message: `this layer may not import src-main/${layer} (architecture.md, allowed imports)`,
  }));
const noElectron = {
  name: 'electron',
  message: 'only src-main/app, ipc, preload and jobs may import electron',
};

export default tseslint.config(
  { ignores: ['node_modules', 'build', 'dist', 'test-results', 'playwright-report', 'resources'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  ...svelte.configs['flat/recommended'],
  {
    languageOptions: {
      globals: { ...globals.node },
      parserOptions: {
        project: [
          './tsconfig.main.json',
          './tsconfig.preload.json',
          './tsconfig.renderer.json',
          './tsconfig.test.json',
        ],
        tsconfigRootDir: import.meta.dirname,
        extraFileExtensions: ['.svelte'],
      },
    },
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', ignoreRestSiblings: true }],
      eqeqeq: ['error', 'always'],
      'no-console': 'off',
    },
  },
  {
    files: ['**/*.svelte', '**/*.svelte.ts'],
    languageOptions: {
      globals: { ...globals.browser },
      parserOptions: { parser: tseslint.parser, svelteConfig: undefined },
    },
  },
  {
    files: ['src-shared/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [noElectron],
          patterns: [
            { group: nodeBuiltins, message: 'src-shared is pure TypeScript: no Node built-ins' },
            {
              group: ['**/src-main/**', '**/src-renderer/**', '@tensorflow/*'],
              message: 'src-shared imports nothing of ours outside src-shared',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src-renderer/**'],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [noElectron],
          patterns: [
            { group: nodeBuiltins, message: 'the renderer runs in a sandbox: no Node built-ins' },
            {
              group: ['**/src-main/**', '@tensorflow/*', 'better-sqlite3'],
              message: 'the renderer imports only src-shared',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src-main/engine/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [noElectron, { name: 'better-sqlite3', message: 'the engine never touches the store' }],
          patterns: [
            ...layerPatterns(mainLayers.filter((layer) => layer !== 'engine')),
            { group: ['**/src-renderer/**'], message: 'the engine imports only src-shared' },
          ],
        },
      ],
    },
  },
  {
    files: ['src-main/store/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [noElectron],
          patterns: [
            ...layerPatterns([
              'app',
              'ipc',
              'preload',
              'server',
              'services',
              'jobs',
              'worker',
              'cli',
              'engine',
            ]),
          ],
        },
      ],
    },
  },
  {
    files: ['src-main/services/**', 'src-main/server/**', 'src-main/worker/**', 'src-main/cli/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [noElectron],
          patterns: [{ group: ['**/src-renderer/**'], message: 'main code never imports the renderer' }],
        },
      ],
    },
  },
  {
    files: ['src-main/preload/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            ...layerPatterns(mainLayers.filter((layer) => layer !== 'preload')),
            { group: ['**/src-renderer/**'], message: 'preload exposes the contract only' },
          ],
        },
      ],
    },
  },
  {
    files: ['test/**'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
  },
);
