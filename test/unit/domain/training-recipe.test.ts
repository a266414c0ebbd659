import { describe, expect, it } from 'vitest';
import { experimentSpecSchema } from '../../../src-shared/domain/experiment-spec.js';
import type { ExperimentSpecInput } from '../../../src-shared/domain/experiment-spec.js';
import {
  describeAugmentation,
  resolvedAugmentation,
  resolvedHorizontalFlip,
  trainingRecipeOf,
} from '../../../src-shared/domain/training-recipe.js';

function spec(augmentation: ExperimentSpecInput['augmentation'] = undefined) {
  return experimentSpecSchema.parse({
    name: 'Recipe',
    datasetId: 'd1',
    teacher: { source: 'train', backbone: 'resnet8' },
    student: { backbone: 'resnet8' },
    methods: ['none'],
    seeds: [1],
    schedule: { epochs: 3 },
    ...(augmentation === undefined ? {} : { augmentation }),
  });
}

describe('the horizontal flip rule', () => {
  // Digit datasets arrive as SVHN or as IDX files (MNIST and everything stored like it, Fashion-MNIST too).
  it.each(['svhn', 'idx'])("does not flip a %s dataset when the spec leaves it at 'auto'", (format) => {
    expect(resolvedHorizontalFlip('auto', format)).toBe(false);
  });

  it.each(['cifar10', 'cifar100', 'cinic10', 'folder'])(
    "flips a %s dataset when the spec leaves it at 'auto'",
    (format) => {
      expect(resolvedHorizontalFlip('auto', format)).toBe(true);
    },
  );

  it('keeps an explicit choice whatever the dataset', () => {
    expect(resolvedHorizontalFlip(true, 'idx')).toBe(true);
    expect(resolvedHorizontalFlip(true, 'svhn')).toBe(true);
    expect(resolvedHorizontalFlip(false, 'cifar10')).toBe(false);
    expect(resolvedHorizontalFlip(false, 'folder')).toBe(false);
  });
});

describe('the augmentation a run trains with', () => {
  it("resolves the spec's default augmentation for the dataset", () => {
    expect(resolvedAugmentation(spec().augmentation, 'cifar10')).toEqual({
      randomCrop: true,
      padding: 4,
      horizontalFlip: true,
    });
    expect(resolvedAugmentation(spec().augmentation, 'idx')).toEqual({
      randomCrop: true,
      padding: 4,
      horizontalFlip: false,
    });
  });

  it('passes the crop and padding through as given', () => {
    const given = spec({ randomCrop: false, padding: 2, horizontalFlip: true }).augmentation;
    expect(resolvedAugmentation(given, 'svhn')).toEqual({
      randomCrop: false,
      padding: 2,
      horizontalFlip: true,
    });
  });

  it('is described in words', () => {
    expect(describeAugmentation({ randomCrop: true, padding: 4, horizontalFlip: true })).toBe(
      'random crop (padding 4), horizontal flip',
    );
    expect(describeAugmentation({ randomCrop: true, padding: 2, horizontalFlip: false })).toBe(
      'random crop (padding 2)',
    );
    expect(describeAugmentation({ randomCrop: false, padding: 4, horizontalFlip: false })).toBe('none');
  });
});

describe('the recipe a model card shows', () => {
  it('describes the same augmentation the run trained with: no flip on digits, a flip otherwise', () => {
    expect(trainingRecipeOf(spec(), { format: 'svhn', trainCount: 500 }, 3).augmentation).toBe(
      'random crop (padding 4)',
    );
    expect(trainingRecipeOf(spec(), { format: 'cifar10', trainCount: 500 }, 3).augmentation).toBe(
      'random crop (padding 4), horizontal flip',
    );
  });

  it('counts the training images a subset limits, never more than the split holds', () => {
    const limited = experimentSpecSchema.parse({ ...spec(), subset: { trainImages: 200 } });
    expect(trainingRecipeOf(limited, { format: 'folder', trainCount: 500 }, 3)).toMatchObject({
      epochs: 3,
      trainImages: 200,
      trainSplitImages: 500,
    });
    expect(trainingRecipeOf(limited, { format: 'folder', trainCount: 120 }, 3).trainImages).toBe(120);
    expect(trainingRecipeOf(spec(), { format: 'folder', trainCount: 500 }, 3).trainImages).toBe(500);
  });
});
