import type { TrainingRecipe } from '../contracts/model-card.js';
import type { ExperimentSpec } from './experiment-spec.js';
import { formatSetting } from './resolved-hyperparameters.js';

/** Dataset formats of digits, where a mirrored image changes its class. */
const digitFormats = new Set(['svhn', 'idx']);

/** Whether runs flip images horizontally: 'auto' flips unless the dataset holds digits. */
export function resolvedHorizontalFlip(setting: boolean | 'auto', datasetFormat: string): boolean {
  return setting === 'auto' ? !digitFormats.has(datasetFormat) : setting;
}

/** The augmentation of training images as a run applies it, every 'auto' decided. */
export interface ResolvedAugmentation {
  readonly randomCrop: boolean;
  readonly padding: number;
  readonly horizontalFlip: boolean;
}

/**
 * The augmentation a run of an experiment trains with on a dataset of this format: what the run queue sends
 * the worker and what the model card describes.
 */
export function resolvedAugmentation(
  augmentation: ExperimentSpec['augmentation'],
  datasetFormat: string,
): ResolvedAugmentation {
  return {
    randomCrop: augmentation.randomCrop,
    padding: augmentation.padding,
    horizontalFlip: resolvedHorizontalFlip(augmentation.horizontalFlip, datasetFormat),
  };
}

/** A learning-rate schedule in words, e.g. "cosine to 0" or "step ×0.1 at epochs 15, 22". */
export function describeLearningRateSchedule(
  schedule: ExperimentSpec['schedule']['learningRateSchedule'],
): string {
  switch (schedule.kind) {
    case 'constant':
      return 'constant';
    case 'step':
      return `step ×${formatSetting(schedule.gamma)} at epochs ${schedule.milestones.join(', ')}`;
    case 'cosine':
      return `cosine to ${formatSetting(schedule.minimum)}`;
  }
}

/** The augmentation of training images in words. */
export function describeAugmentation(augmentation: ResolvedAugmentation): string {
  const parts = [
    ...(augmentation.randomCrop ? [`random crop (padding ${augmentation.padding})`] : []),
    ...(augmentation.horizontalFlip ? ['horizontal flip'] : []),
  ];
  return parts.length === 0 ? 'none' : parts.join(', ');
}

/** The recipe a run of `spec` trained with, on a dataset of this format and training-split size. */
export function trainingRecipeOf(
  spec: ExperimentSpec,
  dataset: { readonly format: string; readonly trainCount: number },
  epochs: number,
): TrainingRecipe {
  const { schedule, augmentation } = spec;
  const limit = spec.subset?.trainImages;
  return {
    epochs,
    batchSize: schedule.batchSize,
    learningRate: schedule.learningRate,
    momentum: schedule.momentum,
    weightDecay: schedule.weightDecay,
    learningRateSchedule: describeLearningRateSchedule(schedule.learningRateSchedule),
    warmupEpochs: schedule.warmupEpochs,
    augmentation: describeAugmentation(resolvedAugmentation(augmentation, dataset.format)),
    trainImages: limit === undefined ? dataset.trainCount : Math.min(limit, dataset.trainCount),
    trainSplitImages: dataset.trainCount,
  };
}
