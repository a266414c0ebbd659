import { tmpdir } from 'node:os';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { describeRunFailure } from '../../../src-main/services/run-queue.js';
import { freeBytesAt, isDiskFull } from '../../../src-main/services/storage-failure.js';

function systemError(code: string, message: string): NodeJS.ErrnoException {
  return Object.assign(new Error(message), { code });
}

const home = tmpdir();

describe('describeRunFailure', () => {
  it('says in plain words that the disk is full, with the free space on the home', () => {
    const free = freeBytesAt(home);
    expect(free).not.toBeNull();
    const message = describeRunFailure(
      systemError('ENOSPC', "ENOSPC: no space left on device, write '/home/runs/x'"),
      home,
    );
    expect(message).toMatch(
      new RegExp(
        `^The disk is full: [0-9.]+ MB free on ${home}\\. Free some space or fix the folder, then resume the run\\.$`,
      ),
    );
  });

  it('recognises a full SQLite database as a full disk', () => {
    const error = new Database.SqliteError('database or disk is full', 'SQLITE_FULL');
    expect(isDiskFull(error)).toBe(true);
    expect(describeRunFailure(error, home)).toMatch(/^The disk is full: /);
  });

  it('says that the workbench home cannot be written, for permission and read-only errors', () => {
    for (const code of ['EACCES', 'EPERM', 'EROFS']) {
      expect(describeRunFailure(systemError(code, `${code}: refused, open '/home/runs/x'`), home)).toMatch(
        new RegExp(`^${home} cannot be written to \\(${code}: .*\\)\\. Check the folder's permissions\\.`),
      );
    }
  });

  it('recognises the code inside a message that crossed the worker boundary', () => {
    expect(describeRunFailure(new Error("ENOSPC: no space left on device, open '/x'"), home)).toMatch(
      /^The disk is full/,
    );
    expect(isDiskFull(new Error('Training diverged in epoch 2'))).toBe(false);
  });

  it('passes any other message through unchanged', () => {
    expect(describeRunFailure(new Error('Training diverged in epoch 2'), home)).toBe(
      'Training diverged in epoch 2',
    );
    expect(describeRunFailure('plain text', home)).toBe('plain text');
  });
});
