import { describe, expect, it } from 'vitest';
import {
  groupedEntries,
  newNameProblem,
  removedBytes,
} from '../../../../src-renderer/lib/deletion-summary.js';

describe('the deletion confirmation summary', () => {
  it('groups what goes besides the target by kind, teachers before experiments, runs and exports', () => {
    expect(
      groupedEntries({
        entries: [
          { kind: 'dataset', id: 'd', name: 'Flowers' },
          { kind: 'experiment', id: 'e1', name: 'First' },
          { kind: 'run', id: 'r1', name: 'KD resnet8 seed 1' },
          { kind: 'teacher', id: 't', name: 'Mine' },
          { kind: 'experiment', id: 'e2', name: 'Second' },
        ],
      }),
    ).toEqual([
      { kind: 'teacher', names: ['Mine'] },
      { kind: 'experiment', names: ['First', 'Second'] },
      { kind: 'run', names: ['KD resnet8 seed 1'] },
    ]);
  });

  it('adds up only the folders that are removed', () => {
    const owner = { kind: 'run' as const, id: 'r', name: 'r' };
    expect(
      removedBytes({
        folders: [
          { path: '/a', bytes: 1000, owner, action: 'remove', reason: null },
          { path: '/b', bytes: 5000, owner, action: 'keep', reason: 'outside' },
          { path: '/c', bytes: 24, owner, action: 'remove', reason: null },
        ],
      }),
    ).toBe(1024);
  });

  it('accepts a name of 1 to 200 characters once trimmed', () => {
    expect(newNameProblem('  Flowers  ')).toBeNull();
    expect(newNameProblem('   ')).toBe('a name cannot be empty or blank');
    expect(newNameProblem('x'.repeat(201))).toBe('a name has at most 200 characters');
    expect(newNameProblem('x'.repeat(200))).toBeNull();
  });
});
