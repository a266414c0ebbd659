import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UsageError } from '../../../../src-main/cli/cli-arguments.js';
import { importCommand } from '../../../../src-main/cli/commands/import.js';
import { importDatasetArgumentsSchema } from '../../../../src-shared/contracts/api.js';
import { temporaryFolder } from '../../../fixtures/datasets/temp.js';

let folder: { path: string; remove: () => void };
beforeEach(() => (folder = temporaryFolder('import-command')));
afterEach(() => folder.remove());

describe('rtk-workbench import', () => {
  it.each(['', '   ', '\t'])(
    'refuses the name %j as the API does, before opening the workbench',
    async (name) => {
      const home = path.join(folder.path, 'home');
      const error = await importCommand('/data/cifar', {
        home,
        format: 'auto',
        name,
        size: undefined,
        channels: undefined,
        'val-fraction': undefined,
        json: false,
      }).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(UsageError);
      expect((error as Error).message).toBe(
        '--name: a name cannot be empty or blank; leave it out to use the folder name.',
      );
      expect(importDatasetArgumentsSchema.safeParse({ source: '/data/cifar', name }).success).toBe(false);
      expect(existsSync(home)).toBe(false);
    },
  );
});
