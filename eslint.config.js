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
  'security',
  'services',
  'store',
  'jobs',
  'worker',
  'engine',
  'cli',
];

/**
 * The layer map of src-main (docs/architecture.md draws it): what each folder may not import, and why. The
 * renderer talks to src-shared's contract; services carry it out with the store, the job queue and the
 * engine's light helpers; the worker runs the engine; app, ipc, preload, server and cli are shells around the
 * services. Nothing imports back outwards. Patterns ending in a `!…` entry allow one file of a layer.
 */
const layerMap = {
  app: {
    forbidden: [
      'cli',
      'server',
      'preload',
      'store',
      'worker',
      'engine',
      ['jobs', 'utility-process-launcher'],
    ],
    why: 'the desktop shell opens the workbench through services (and starts the worker with the jobs launcher)',
  },
  ipc: {
    forbidden: ['app', 'cli', 'server', 'preload', 'store', 'jobs', 'worker', 'engine'],
    why: 'IPC binds the contract to the services, nothing else',
  },
  preload: {
    forbidden: mainLayers.filter((layer) => layer !== 'preload'),
    why: 'the preload exposes the contract of src-shared only',
  },
  server: {
    forbidden: ['app', 'ipc', 'cli', 'preload', 'store', 'jobs', 'worker', 'engine'],
    why: 'the lab server binds the contract to the services over HTTP, nothing else',
  },
  security: {
    forbidden: mainLayers.filter((layer) => layer !== 'security'),
    why: 'the security policies are plain functions that app and server share',
  },
  services: {
    forbidden: ['app', 'ipc', 'preload', 'server', 'cli', 'worker'],
    why: 'services never import the shells around them, nor the worker process (they reach it through jobs)',
  },
  store: {
    forbidden: mainLayers.filter((layer) => layer !== 'store'),
    why: 'the store is SQLite and src-shared only',
  },
  jobs: {
    forbidden: mainLayers.filter((layer) => layer !== 'jobs'),
    why: 'jobs start and supervise the worker process; they speak the protocol of src-shared only',
  },
  worker: {
    forbidden: mainLayers.filter((layer) => layer !== 'worker' && layer !== 'engine'),
    why: 'the worker runs the engine and speaks the protocol of src-shared only',
  },
  engine: {
    forbidden: mainLayers.filter((layer) => layer !== 'engine'),
    why: 'the engine imports only src-shared, TensorFlow.js and Node',
  },
  cli: {
    forbidden: ['app', 'ipc', 'preload', 'store', 'jobs', 'worker', ['server', 'lab-server']],
    why: 'the CLI works through services (and the engine for its benchmark); it starts lab mode by lab-server only',
  },
};

/** Only these folders may import electron. */
const electronLayers = new Set(['app', 'ipc', 'preload', 'jobs']);

const noElectron = {
  name: 'electron',
  message: 'only src-main/app, ipc, preload and jobs may import electron',
};

const layerPatterns = (layer) => {
  const { forbidden, why } = layerMap[layer];
  return forbidden.map((entry) => {
    const [target, allowedFile] = Array.isArray(entry) ? entry : [entry, null];
    return {
      // A directory matched as a whole cannot have a file of it allowed again, so then only its files match.
      group:
        allowedFile === null
          ? [`**/${target}/**`, `**/${target}`]
          : [`**/${target}/*`, `!**/${target}/${allowedFile}.js`],
      message: `src-main/${layer} may not import src-main/${target}${allowedFile === null ? '' : ` (except ${allowedFile}.ts)`}: ${why}.`,
    };
  });
};

/** What no file of the renderer may import. */
const rendererPatterns = [
  { group: nodeBuiltins, message: 'the renderer runs in a sandbox: no Node built-ins' },
  {
    group: ['**/src-main/**', '@tensorflow/*', 'better-sqlite3'],
    message: 'the renderer imports only src-shared',
  },
];

/**
 * Renderer features that may not import another feature: what they share lives in src-renderer/lib (the
 * charts in lib/charts), so a feature can change without breaking its neighbours.
 */
const rendererFeatureMap = {
  compare: {
    forbidden: ['runs'],
    why: 'the charts both draw come from src-renderer/lib/charts',
  },
};

/** One lint block per renderer feature in the map, with the renderer's own patterns kept. */
const rendererFeatureRules = Object.entries(rendererFeatureMap).map(([feature, { forbidden, why }]) => ({
  files: [`src-renderer/features/${feature}/**`],
  rules: {
    'no-restricted-imports': [
      'error',
      {
        paths: [noElectron],
        patterns: [
          ...rendererPatterns,
          ...forbidden.map((target) => ({
            group: [`**/features/${target}/**`, `../${target}/**`],
            message: `src-renderer/features/${feature} may not import src-renderer/features/${target}: ${why}.`,
          })),
        ],
      },
    ],
  },
}));

/** One lint block per folder of src-main, with its part of the layer map. */
const layerRules = Object.keys(layerMap).map((layer) => ({
  files: [`src-main/${layer}/**`],
  rules: {
    'no-restricted-imports': [
      'error',
      {
        paths: [
          ...(electronLayers.has(layer) ? [] : [noElectron]),
          ...(layer === 'engine'
            ? [{ name: 'better-sqlite3', message: 'the engine never touches the store' }]
            : []),
        ],
        patterns: [
          ...layerPatterns(layer),
          {
            group: ['**/src-renderer/**'],
            message: 'main code never imports the renderer; both share src-shared',
          },
        ],
      },
    ],
  },
}));

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
    rules: { 'no-restricted-imports': ['error', { paths: [noElectron], patterns: rendererPatterns }] },
  },
  ...rendererFeatureRules,
  ...layerRules,
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
