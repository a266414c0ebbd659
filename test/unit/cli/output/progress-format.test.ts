import { describe, expect, it } from 'vitest';
import type { RunSummary } from '../../../../src-shared/contracts/run-types.js';
import {
  formatImportProgress,
  formatRunProgress,
  formatRunStatusLine,
  progressBar,
  runLabel,
} from '../../../../src-main/cli/output/progress-format.js';
import { formatDuration, formatPoints } from '../../../../src-main/cli/output/text-format.js';

const run: RunSummary = {
  id: 'run-1',
  experimentId: 'experiment-1',
  role: 'student',
  method: 'rtk',
  backbone: 'resnet8',
  seed: 2,
  status: 'done',
  queuePosition: 1,
  teacherRunId: 'teacher',
  epochsTotal: 3,
  epochsDone: 3,
  bestTestTop1: 0.8123,
  lastTestTop1: 0.8,
  backend: 'wasm',
  error: null,
  createdAt: '2026-01-01T00:00:00.000Z',
  startedAt: null,
  finishedAt: null,
};

describe('progress lines', () => {
  it('draws a bar proportional to the fraction done, clamped to 0..1', () => {
    expect(progressBar(0, 10)).toBe('[..........]');
    expect(progressBar(0.5, 10)).toBe('[#####.....]');
    expect(progressBar(1.7, 4)).toBe('[####]');
    expect(progressBar(Number.NaN, 4)).toBe('[....]');
  });

  it('shows epoch, the bar over the whole run, batch, loss, images per second and ETA', () => {
    const line = formatRunProgress(
      'RTK resnet8 seed 2',
      {
        runId: 'run-1',
        phase: 'training',
        message: null,
        epoch: 2,
        epochs: 4,
        batch: 10,
        batches: 20,
        loss: { total: 1.23456, ce: 1, kd: 0.2, feature: 0.03 },
        imagesPerSecond: 312.4,
        etaSeconds: 125,
      },
      true,
    );
    // Epoch 2 of 4 half done: 1.5 of 4 epochs, 0.375 of the run.
    expect(line).toBe(
      'RTK resnet8 seed 2: epoch 2/4  [########............]  batch 10/20  loss 1.235  312 img/s  ETA 2m 05s',
    );
  });

  it('leaves the bar out for plain output and shows dashes before the first measurement', () => {
    const line = formatRunProgress(
      'teacher',
      {
        runId: 'run-1',
        phase: 'training',
        message: null,
        epoch: 1,
        epochs: 1,
        batch: 0,
        batches: 5,
        loss: null,
        imagesPerSecond: null,
        etaSeconds: null,
      },
      false,
    );
    expect(line).toBe('teacher: epoch 1/1  batch 0/5  loss —  — img/s  ETA —');
  });

  it('shows the preparing message', () => {
    const line = formatRunProgress(
      'teacher',
      {
        runId: 'run-1',
        phase: 'preparing',
        message: 'Loading the dataset',
        epoch: 0,
        epochs: 3,
        batch: 0,
        batches: 0,
        loss: null,
        imagesPerSecond: null,
        etaSeconds: null,
      },
      true,
    );
    expect(line).toBe('teacher: Loading the dataset…');
  });

  it('names runs by role or method, backbone and seed, and says how a run ended', () => {
    expect(runLabel(run)).toBe('RTK resnet8 seed 2');
    expect(runLabel({ ...run, role: 'teacher', method: 'none', backbone: 'wrn-40-2' })).toBe(
      'teacher wrn-40-2 seed 2',
    );
    expect(formatRunStatusLine(run)).toBe(
      'RTK resnet8 seed 2: done, best test top-1 81.23%, last 80.00% (wasm)',
    );
    expect(formatRunStatusLine({ ...run, status: 'failed', error: 'disk full' })).toBe(
      'RTK resnet8 seed 2: FAILED: disk full',
    );
    expect(formatRunStatusLine({ ...run, status: 'paused', epochsDone: 1 })).toBe(
      'RTK resnet8 seed 2: paused after 1/3 epochs (resume: rtk-workbench resume run-1)',
    );
  });

  it('shows bytes of an import phase in megabytes', () => {
    expect(
      formatImportProgress({
        phase: 'unpacking',
        done: 12_345_678,
        total: 170_052_171,
        unit: 'bytes',
        perSecond: 45_000_000,
        etaSeconds: 3.5,
        elapsedSeconds: 1,
      }),
    ).toBe('unpacking: 12.3/170.1 MB, 45.0 MB/s, ETA 4s');
  });

  it('shows an import phase with counts, rate and ETA', () => {
    expect(
      formatImportProgress({
        phase: 'reading',
        done: 1200,
        total: 5000,
        unit: 'images',
        perSecond: 350.6,
        etaSeconds: 10.8,
        elapsedSeconds: 3,
      }),
    ).toBe('reading: 1200/5000 images, 351 images/s, ETA 11s');
    expect(
      formatImportProgress({
        phase: 'detecting',
        done: 0,
        total: 0,
        unit: 'files',
        perSecond: 0,
        etaSeconds: null,
        elapsedSeconds: 0,
      }),
    ).toBe('detecting: 0 files');
  });

  it('formats durations and point differences', () => {
    expect(formatDuration(59.4)).toBe('59s');
    expect(formatDuration(61)).toBe('1m 01s');
    expect(formatDuration(3725)).toBe('1h 02m');
    expect(formatDuration(Number.POSITIVE_INFINITY)).toBe('—');
    expect(formatPoints(-0.0123)).toBe('−1.23 pp');
    expect(formatPoints(0)).toBe('+0.00 pp');
  });
});
