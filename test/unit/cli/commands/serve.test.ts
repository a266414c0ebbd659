import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../../src-main/cli/cli-arguments.js';
import { parseBrowseRoots } from '../../../../src-main/cli/commands/serve.js';

describe('serve --browse-root', () => {
  it('takes existing folders, as full paths, in the order given', () => {
    const first = mkdtempSync(join(tmpdir(), 'rtk-root-'));
    const second = mkdtempSync(join(tmpdir(), 'rtk-root-'));
    expect(parseBrowseRoots([relative(process.cwd(), first), second])).toEqual([first, second]);
    expect(parseBrowseRoots(undefined)).toEqual([]);
  });

  it('refuses a missing folder or a file with a usage error naming it', () => {
    const folder = mkdtempSync(join(tmpdir(), 'rtk-root-'));
    writeFileSync(join(folder, 'file.txt'), '');
    for (const value of [join(folder, 'missing'), join(folder, 'file.txt')]) {
      expect(() => parseBrowseRoots([value])).toThrow(UsageError);
      expect(() => parseBrowseRoots([value])).toThrow(value);
    }
  });
});
