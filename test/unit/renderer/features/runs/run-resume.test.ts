import { describe, expect, it } from 'vitest';
import type { RunProgress } from '../../../../../src-shared/contracts/run-types.js';
import {
  batchChartText,
  epochLine,
  resumeExplanation,
} from '../../../../../src-renderer/features/runs/run-display.js';

const live: RunProgress = {
  runId: 'run-1',
  phase: 'training',
  message: null,
  epoch: 2,
  epochs: 2,
  batch: 3,
  batches: 10,
  loss: { total: 1, ce: 1, kd: 0, feature: 0 },
  imagesPerSecond: 50,
  etaSeconds: 20,
};

describe('a paused run', () => {
  it('counts finished epochs instead of showing "Epoch 0 of 2"', () => {
    expect(epochLine({ status: 'paused', epochsDone: 0, epochsTotal: 2 }, null)).toBe(
      '0 of 2 epochs finished',
    );
    expect(epochLine({ status: 'interrupted', epochsDone: 1, epochsTotal: 2 }, null)).toBe(
      '1 of 2 epochs finished',
    );
  });

  it('explains that the epoch stopped part-way is trained again from the last checkpoint', () => {
    expect(resumeExplanation({ status: 'paused', epochsDone: 1, epochsTotal: 2 })).toBe(
      'Resuming goes on from the checkpoint saved after epoch 1; the epoch that was stopped part-way is ' +
        'trained again from its start.',
    );
    expect(resumeExplanation({ status: 'paused', epochsDone: 0, epochsTotal: 2 })).toBe(
      'No epoch had finished, so resuming starts again at the first epoch: a checkpoint is saved only at the ' +
        'end of each epoch.',
    );
  });

  it('explains nothing for runs that are not waiting to resume', () => {
    expect(resumeExplanation({ status: 'running', epochsDone: 1, epochsTotal: 2 })).toBeNull();
    expect(resumeExplanation({ status: 'done', epochsDone: 2, epochsTotal: 2 })).toBeNull();
    expect(resumeExplanation({ status: 'paused', epochsDone: 2, epochsTotal: 2 })).toBeNull();
  });

  it('keeps the running epoch for a running run', () => {
    expect(epochLine({ status: 'running', epochsDone: 1, epochsTotal: 2 }, live)).toBe('Epoch 2 of 2');
    expect(epochLine({ status: 'done', epochsDone: 2, epochsTotal: 2 }, null)).toBe('Epoch 2 of 2');
  });
});

describe('batchChartText', () => {
  it('titles the per-batch chart by the run’s state', () => {
    expect(batchChartText('running').title).toBe('Loss in the current epoch');
    expect(batchChartText('done')).toEqual({
      title: 'Loss in the last epoch',
      description: 'The training loss of each batch of the last epoch the run trained.',
    });
    expect(batchChartText('paused').title).toBe('Loss in the stopped epoch');
    for (const status of ['done', 'paused', 'failed', 'cancelled'] as const) {
      expect(batchChartText(status).description).not.toMatch(/now running/);
    }
  });
});
