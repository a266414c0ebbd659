import { describe, expect, it } from 'vitest';
import { describeImportProgress } from '../../../../../src-renderer/features/wizards/import-progress.js';

describe('the import progress line', () => {
  it('names the phase in words and counts images with their rate and the time left', () => {
    const line = describeImportProgress({
      phase: 'reading',
      done: 12_000,
      total: 70_000,
      unit: 'images',
      perSecond: 8_000.4,
      etaSeconds: 7.25,
      elapsedSeconds: 2,
    });
    expect(line).toMatch(/^Reading: 12.000 of 70.000 images · 8.000 images per second · about .+ left$/);
  });

  it('counts bytes in readable units while an archive unpacks, with no rate before one is known', () => {
    const line = describeImportProgress({
      phase: 'unpacking',
      done: 3 * 1024 * 1024,
      total: 160 * 1024 * 1024,
      unit: 'bytes',
      perSecond: 0,
      etaSeconds: null,
      elapsedSeconds: 0.1,
    });
    expect(line).toBe('Unpacking the archive: 3 MB of 160 MB');
  });
});
