import { describe, expect, it } from 'vitest';
import { describeRunFailure } from '../../../src-main/services/run-queue.js';

function systemError(code: string, message: string): NodeJS.ErrnoException {
  return Object.assign(new Error(message), { code });
}

describe('describeRunFailure', () => {
  it('says in plain words that the disk is full', () => {
    expect(
      describeRunFailure(systemError('ENOSPC', "ENOSPC: no space left on device, write '/home/runs/x'")),
    ).toMatch(
      /^The disk is full, so the run's checkpoint could not be written \(ENOSPC: .*\)\. Free some space and resume\.$/,
    );
  });

  it('says that the workbench home cannot be written, for permission and read-only errors', () => {
    for (const code of ['EACCES', 'EPERM', 'EROFS']) {
      expect(describeRunFailure(systemError(code, `${code}: refused, open '/home/runs/x'`))).toMatch(
        /^The workbench home cannot be written to \(.*\)\. Check the folder's permissions and resume\.$/,
      );
    }
  });

  it('recognises the code inside a message that crossed the worker boundary', () => {
    expect(describeRunFailure(new Error("ENOSPC: no space left on device, open '/x'"))).toMatch(
      /^The disk is full/,
    );
  });

  it('passes any other message through unchanged', () => {
    expect(describeRunFailure(new Error('Training diverged in epoch 2'))).toBe(
      'Training diverged in epoch 2',
    );
    expect(describeRunFailure('plain text')).toBe('plain text');
  });
});
