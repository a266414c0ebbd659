import { describe, expect, it } from 'vitest';
import { fileFindings } from '../../../../../src-renderer/features/datasets/health-report.js';
import type { HealthReport } from '../../../../../src-shared/contracts/dataset-manifest.js';

function health(changes: Partial<HealthReport>): HealthReport {
  return {
    version: 1,
    classNames: ['cat', 'dog'],
    countsPerClass: [{ split: 'train', counts: [2, 2] }],
    imbalanceRatio: 1,
    duplicates: { withinSplits: [], acrossSplits: [], conflictingLabels: 0, examples: [] },
    unreadableFiles: [],
    ignoredFileCount: 0,
    sizeSpread: [],
    notes: [],
    ...changes,
  };
}

const broken = {
  file: '/data/cat/1.png',
  reason: 'this file is not a valid PNG: its header is damaged',
  detail: 'Input buffer has corrupt header:',
};

describe('what the health report says about the files', () => {
  it('says every file could be read only when none was left out', () => {
    expect(fileFindings(health({}))).toEqual({
      reading: 'Every file could be read.',
      unreadable: [],
      leftOut: null,
    });
  });

  it('speaks of images, not files, when other files were left out, so the two statements agree', () => {
    const findings = fileFindings(health({ ignoredFileCount: 1 }));
    expect(findings.reading).toBe('Every image could be read.');
    expect(findings.leftOut).toBe('One other file is not part of the dataset and was left out.');
    expect(fileFindings(health({ ignoredFileCount: 3 })).leftOut).toBe(
      '3 other files are not part of the dataset and were left out.',
    );
  });

  it('lists unreadable files with the plain reason, the decoder text only as their detail', () => {
    const findings = fileFindings(health({ unreadableFiles: [broken], ignoredFileCount: 2 }));
    expect(findings.reading).toBe('One file could not be read and was left out:');
    expect(findings.unreadable).toEqual([broken]);
    expect(findings.leftOut).toBe('2 other files are not part of the dataset and were left out.');
    expect(
      fileFindings(health({ unreadableFiles: [broken, { ...broken, file: '/data/dog/2.png' }] })).reading,
    ).toBe('2 files could not be read and were left out:');
  });
});
