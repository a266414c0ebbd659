import { describe, expect, it } from 'vitest';
import { learningRateAt, type LearningRateSettings } from '../../../../src-main/engine/train/schedule.js';

describe('learningRateAt', () => {
  it('step: multiplies by gamma once each milestone epoch is completed (reference recipe)', () => {
    const settings: LearningRateSettings = {
      learningRate: 0.05,
      schedule: { kind: 'step', milestones: [150, 180, 210], gamma: 0.1 },
      warmupEpochs: 0,
      epochs: 240,
    };
    expect(learningRateAt(settings, 0, 0, 10)).toBeCloseTo(0.05, 12);
    expect(learningRateAt(settings, 149, 9, 10)).toBeCloseTo(0.05, 12);
    expect(learningRateAt(settings, 150, 0, 10)).toBeCloseTo(0.005, 12);
    expect(learningRateAt(settings, 180, 0, 10)).toBeCloseTo(0.0005, 12);
    expect(learningRateAt(settings, 239, 0, 10)).toBeCloseTo(0.00005, 12);
  });

  it('cosine: decays from the base rate to the minimum over the run, per step', () => {
    const settings: LearningRateSettings = {
      learningRate: 0.1,
      schedule: { kind: 'cosine', minimum: 0.001 },
      warmupEpochs: 0,
      epochs: 10,
    };
    expect(learningRateAt(settings, 0, 0, 4)).toBeCloseTo(0.1, 12);
    expect(learningRateAt(settings, 5, 0, 4)).toBeCloseTo(0.0505, 12);
    expect(learningRateAt(settings, 2, 2, 4)).toBeCloseTo(
      0.001 + (0.099 * (1 + Math.cos(Math.PI * 0.25))) / 2,
      12,
    );
  });

  it('warm-up: rises linearly over the warm-up steps, then follows the schedule', () => {
    const settings: LearningRateSettings = {
      learningRate: 0.2,
      schedule: { kind: 'constant' },
      warmupEpochs: 2,
      epochs: 10,
    };
    expect(learningRateAt(settings, 0, 0, 5)).toBeCloseTo(0.02, 12);
    expect(learningRateAt(settings, 1, 0, 5)).toBeCloseTo(0.12, 12);
    expect(learningRateAt(settings, 1, 4, 5)).toBeCloseTo(0.2, 12);
    expect(learningRateAt(settings, 3, 2, 5)).toBeCloseTo(0.2, 12);
  });
});
