import { describe, expect, it } from 'vitest';
import type { RunProgress } from '../../../../../src-shared/contracts/run-types.js';
import {
  formatDuration,
  formatLoss,
  formatPercent,
  progressFraction,
  runActions,
  showsError,
} from '../../../../../src-renderer/features/runs/run-display.js';

function progress(overrides: Partial<RunProgress>): RunProgress {
  return {
    runId: 'run-1',
    phase: 'training',
    message: null,
    epoch: 3,
    epochs: 10,
    batch: 50,
    batches: 100,
    loss: { total: 1, ce: 1, kd: 0, feature: 0 },
    imagesPerSecond: 500,
    etaSeconds: 120,
    ...overrides,
  };
}

describe('runActions', () => {
  it('allows pause only while running or queued, resume only when stopped, cancel until finished', () => {
    expect(runActions('running')).toEqual({ pause: true, resume: false, cancel: true });
    expect(runActions('queued')).toEqual({ pause: true, resume: false, cancel: true });
    expect(runActions('paused')).toEqual({ pause: false, resume: true, cancel: true });
    expect(runActions('interrupted')).toEqual({ pause: false, resume: true, cancel: true });
    expect(runActions('failed')).toEqual({ pause: false, resume: true, cancel: false });
    expect(runActions('done')).toEqual({ pause: false, resume: false, cancel: false });
    expect(runActions('cancelled')).toEqual({ pause: false, resume: false, cancel: false });
  });
});

describe('showsError', () => {
  it('shows the error text of failed and interrupted runs only', () => {
    expect(showsError({ status: 'failed', error: 'out of memory' })).toBe(true);
    expect(showsError({ status: 'interrupted', error: 'worker crashed' })).toBe(true);
    expect(showsError({ status: 'done', error: 'stale' })).toBe(false);
    expect(showsError({ status: 'failed', error: null })).toBe(false);
  });
});

describe('progressFraction', () => {
  const run = { status: 'running' as const, epochsDone: 2, epochsTotal: 10 };

  it('adds the share of the current epoch while training', () => {
    expect(progressFraction(run, progress({}))).toBeCloseTo(0.25, 10);
  });

  it('counts only finished epochs while preparing or without progress', () => {
    expect(progressFraction(run, progress({ phase: 'preparing' }))).toBeCloseTo(0.2, 10);
    expect(progressFraction(run, null)).toBeCloseTo(0.2, 10);
  });

  it('ignores progress of an epoch the summary already counts, and is 1 when done', () => {
    expect(progressFraction({ ...run, epochsDone: 3 }, progress({ epoch: 3, batch: 10 }))).toBeCloseTo(
      0.3,
      10,
    );
    expect(progressFraction({ status: 'done', epochsDone: 1, epochsTotal: 10 }, null)).toBe(1);
    expect(progressFraction({ status: 'queued', epochsDone: 0, epochsTotal: 0 }, null)).toBe(0);
  });
});

describe('formatting', () => {
  it('formats durations in seconds, minutes and hours', () => {
    expect(formatDuration(42.4)).toBe('42 s');
    expect(formatDuration(600)).toBe('10 min');
    expect(formatDuration(3900)).toBe('1 h 05 min');
  });

  it('formats accuracies as percentages and losses with three decimals', () => {
    expect(formatPercent(0.7326)).toBe('73.3 %');
    expect(formatPercent(null)).toBe('—');
    expect(formatLoss(1.23456)).toBe('1.235');
    expect(formatLoss(0.00012)).toBe('1.20e-4');
  });
});
