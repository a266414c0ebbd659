import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import type { Linter } from 'eslint';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../../', import.meta.url));
// Imported by URL: the config is plain JavaScript without type declarations.
const configUrl = new URL('../../../eslint.config.js', import.meta.url).href;
const config = ((await import(configUrl)) as { default: Linter.Config[] }).default;

/** The project's import rules alone: the layer map, without the type-aware rules that need a tsconfig. */
const importRules = config.filter((block) => block.rules?.['no-restricted-imports'] !== undefined);
const linter = new ESLint({
  cwd: root,
  overrideConfigFile: true,
  overrideConfig: [{ files: ['**/*.ts'] }, ...importRules],
});

/** The messages of the import rule for one import in a file of `folder`. */
async function complaints(folder: string, specifier: string): Promise<string[]> {
  const [result] = await linter.lintText(`import { x } from '${specifier}';\nexport const y = x;\n`, {
    filePath: `${folder}/example.ts`,
  });
  const messages = result?.messages ?? [];
  // Anything else (a parse error, a file no block covers) would make every expectation below meaningless.
  expect(messages.map((message) => message.ruleId)).toEqual(messages.map(() => 'no-restricted-imports'));
  return messages.map((message) => message.message);
}

describe('the layer map', () => {
  it.each([
    ['src-main/worker', '../store/workbench-store.js'],
    ['src-main/worker', '../services/run-queue.js'],
    ['src-main/worker', '../jobs/worker-process.js'],
    ['src-main/jobs', '../services/run-queue.js'],
    ['src-main/jobs', '../engine/backends/backend-ladder.js'],
    ['src-main/services', '../cli/cli.js'],
    ['src-main/services', '../server/lab-server.js'],
    ['src-main/services', 'electron'],
    ['src-main/store', '../services/run-queue.js'],
    ['src-main/store', 'electron'],
    ['src-main/engine', '../store/workbench-store.js'],
    ['src-main/server', '../app/app-protocol.js'],
    ['src-main/server', '../cli/cli.js'],
    ['src-main/app', '../store/workbench-store.js'],
    ['src-main/app', '../server/lab-server.js'],
    ['src-main/app', '../jobs/worker-supervisor.js'],
    ['src-main/ipc', '../store/workbench-store.js'],
    ['src-main/cli', '../app/desktop-app.js'],
    ['src-main/cli/commands', '../../server/internals.js'],
    ['src-main/security', '../services/version.js'],
    ['src-renderer/lib', '../../src-main/services/version.js'],
    ['src-shared/domain', '../../src-main/engine/models/resnet.js'],
  ])('%s may not import %s', async (folder, specifier) => {
    const messages = await complaints(folder, specifier);
    expect(messages).toHaveLength(1);
    expect(messages[0]).not.toMatch(/architecture\.md, /);
  });

  it.each([
    ['src-main/worker', '../engine/train/trainer.js'],
    ['src-main/services', '../store/workbench-store.js'],
    ['src-main/services', '../jobs/worker-supervisor.js'],
    ['src-main/jobs', 'electron'],
    ['src-main/app', '../jobs/utility-process-launcher.js'],
    ['src-main/app', '../services/workbench-host.js'],
    ['src-main/app', '../security/content-security-policy.js'],
    ['src-main/server', '../security/content-security-policy.js'],
    ['src-main/cli/commands', '../../server/lab-server.js'],
    ['src-main/cli', '../services/workbench-host.js'],
    ['src-main/engine', '../../src-shared/contracts/api.js'],
  ])('%s may import %s', async (folder, specifier) => {
    expect(await complaints(folder, specifier)).toEqual([]);
  });

  it('names the rule in words', async () => {
    expect(await complaints('src-main/worker', '../store/workbench-store.js')).toEqual([
      expect.stringContaining(
        'src-main/worker may not import src-main/store: the worker runs the engine and speaks the protocol of src-shared only.',
      ),
    ]);
  });
});
