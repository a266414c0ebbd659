import { describe, expect, it } from 'vitest';
import {
  backboneNameSchema,
  catalogBackboneNames,
  describeBackbone,
  parseBackboneName,
} from '../../../../src-shared/domain/backbone-catalog.js';
import { edgeModelNames, edgeReference } from './edge-reference.js';
import { referenceParameterCounts } from './reference-table.js';

const cifar = [32, 32, 3] as const;

describe('backbone catalog', () => {
  it.each(referenceParameterCounts)(
    'counts the parameters of %s as the reference table',
    (name, at100, at10) => {
      expect(describeBackbone(name, { classes: 100, inputShape: cifar }).parameterCount).toBe(at100);
      expect(describeBackbone(name, { classes: 10, inputShape: cifar }).parameterCount).toBe(at10);
    },
  );

  it('describes every catalog name', () => {
    for (const name of catalogBackboneNames) {
      const description = describeBackbone(name, { classes: 10, inputShape: cifar });
      expect(description.name).toBe(name);
      expect(description.taps.length).toBeGreaterThan(0);
    }
  });

  it('parses family, depth, width and label', () => {
    expect(parseBackboneName('WRN-40-2')).toMatchObject({
      name: 'wrn-40-2',
      label: 'WRN-40-2',
      family: 'wrn',
      depth: 40,
      width: 2,
      stageWidths: [32, 64, 128],
      blocksPerStage: 6,
    });
    expect(parseBackboneName('resnet32x4')).toMatchObject({
      label: 'ResNet-32x4',
      family: 'resnet',
      depth: 32,
      width: 4,
      stemWidth: 32,
      stageWidths: [64, 128, 256],
      blocksPerStage: 5,
    });
    expect(parseBackboneName('resnet26')).toMatchObject({ depth: 26, blocksPerStage: 4, width: 1 });
    expect(parseBackboneName('wrn-22-8')).toMatchObject({ stageWidths: [128, 256, 512], blocksPerStage: 3 });
  });

  it('describes the WRN-40-2 and WRN-16-2 taps of method.md', () => {
    const teacher = describeBackbone('wrn-40-2', { classes: 100, inputShape: cifar });
    expect(teacher.taps).toHaveLength(18);
    expect(teacher.taps.map((tap) => tap.shape)).toEqual([
      ...Array<number[]>(6).fill([32, 32, 32]),
      ...Array<number[]>(6).fill([16, 16, 64]),
      ...Array<number[]>(6).fill([8, 8, 128]),
    ]);
    expect(teacher.taps.map((tap) => tap.stage)).toEqual([
      0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2,
    ]);
    const student = describeBackbone('wrn-16-2', { classes: 100, inputShape: cifar });
    expect(student.taps.map((tap) => [tap.name, tap.shape])).toEqual([
      ['stage1_block1', [32, 32, 32]],
      ['stage1_block2', [32, 32, 32]],
      ['stage2_block1', [16, 16, 64]],
      ['stage2_block2', [16, 16, 64]],
      ['stage3_block1', [8, 8, 128]],
      ['stage3_block2', [8, 8, 128]],
    ]);
  });

  it('taps every second resnet110 block, ending each stage with its last block (27 taps)', () => {
    const taps = describeBackbone('resnet110', { classes: 100, inputShape: cifar }).taps;
    expect(taps).toHaveLength(27);
    expect(taps.slice(0, 9).map((tap) => tap.name)).toEqual(
      [2, 4, 6, 8, 10, 12, 14, 16, 18].map((block) => `stage1_block${block}`),
    );
    expect(taps[26]?.name).toBe('stage3_block18');
    expect(describeBackbone('resnet56', { classes: 100, inputShape: cifar }).taps).toHaveLength(27);
  });

  it('computes MACs, moving statistics and float32 size', () => {
    const resnet8 = describeBackbone('resnet8', { classes: 10, inputShape: cifar });
    // stem 32·32·27·16, stage 1: 2·32·32·9·16·16, stage 2: 16·16·(9·16·32 + 9·32·32 + 16·32),
    // stage 3: 8·8·(9·32·64 + 9·64·64 + 32·64), head 64·10.
    const macs =
      32 * 32 * 27 * 16 +
      2 * 32 * 32 * 9 * 16 * 16 +
      16 * 16 * (9 * 16 * 32 + 9 * 32 * 32 + 16 * 32) +
      8 * 8 * (9 * 32 * 64 + 9 * 64 * 64 + 32 * 64) +
      64 * 10;
    expect(resnet8.macsPerImage).toBe(macs);
    // BN channels: stem 16, block 1 2·16, block 2 3·32, block 3 3·64 → 336, two statistics each.
    expect(resnet8.movingStatisticCount).toBe(672);
    expect(resnet8.float32Bytes).toBe(4 * (78_042 + 672));
  });

  it('follows the input size: 1-channel 28x28 and odd 30x30 inputs', () => {
    const digits = describeBackbone('resnet8', { classes: 10, inputShape: [28, 28, 1] });
    expect(digits.taps.map((tap) => tap.shape)).toEqual([
      [28, 28, 16],
      [14, 14, 32],
      [7, 7, 64],
    ]);
    expect(digits.parameterCount).toBe(78_042 - 2 * 9 * 16);
    const odd = describeBackbone('wrn-16-1', { classes: 10, inputShape: [30, 30, 3] });
    expect(odd.taps.map((tap) => tap.shape[0])).toEqual([30, 30, 15, 15, 8, 8]);
  });

  it.each([
    ['resnet', /Unknown backbone "resnet"/],
    ['resnet21', /6k\+2.*found 21/],
    ['resnet2', /found 2\./],
    ['wrn-18-2', /\(D-4\) divisible by 6.*found 18/],
    ['wrn-16-0', /width must be between 1 and 16, found 0/],
    ['vgg16', /the VGGs are vgg8, vgg11 and vgg13, found vgg16/],
    ['mobilenetv2-3', /width multiplier must be between 0.25 and 2.*found 3\./],
    ['mobilenetv2-0.125', /at most two decimals.*found 0.125/],
    ['mobilenetv2', /Unknown backbone "mobilenetv2": expected resnetN.*mobilenetv2-W/],
    ['shufflenetv3', /Unknown backbone "shufflenetv3"/],
  ])('rejects the name %s clearly', (name, message) => {
    expect(() => parseBackboneName(name)).toThrow(message);
    expect(backboneNameSchema.safeParse(name).success).toBe(false);
  });

  it('accepts valid names in the schema', () => {
    expect(backboneNameSchema.safeParse('resnet44').success).toBe(true);
  });

  it.each([
    [{ classes: 1, inputShape: cifar }, /classes must be an integer between 2 and 100000, found 1/],
    [{ classes: 2.5, inputShape: cifar }, /found 2.5/],
    [{ classes: 10, inputShape: [32, 28, 3] as const }, /square.*found 32x28/],
    [{ classes: 10, inputShape: [8, 8, 3] as const }, /between 16 and 1024 pixels, found 8/],
    [{ classes: 10, inputShape: [32, 32, 4] as const }, /1 \(grey\) or 3 \(RGB\) channels, found 4/],
  ])('rejects bad sizes clearly (%#)', (options, message) => {
    expect(() => describeBackbone('resnet8', options)).toThrow(message);
  });

  describe('edge families against the PyTorch reference script', () => {
    const shapes = [
      [32, 32, 3],
      [28, 28, 1],
      [16, 16, 3],
      [64, 64, 3],
    ] as const;
    it.each(edgeModelNames)('%s: parameters, moving statistics, MACs and taps as the reference', (name) => {
      for (const classes of [10, 100]) {
        for (const inputShape of shapes) {
          const reference = edgeReference(name, classes, inputShape);
          const description = describeBackbone(name, { classes, inputShape });
          const where = `${name}, ${classes} classes, ${inputShape.join('x')}`;
          expect(description.parameterCount, where).toBe(reference.parameterCount);
          expect(description.movingStatisticCount, where).toBe(reference.movingStatisticCount);
          expect(description.macsPerImage, where).toBe(reference.macsPerImage);
          expect(
            description.taps.map((tap) => ({ shape: tap.shape, stage: tap.stage })),
            where,
          ).toEqual(reference.taps);
          expect(description.float32Bytes).toBe(
            4 * (reference.parameterCount + reference.movingStatisticCount),
          );
        }
      }
    });

    it('names the edge taps by stage', () => {
      const mobile = describeBackbone('mobilenetv2-0.5', { classes: 100, inputShape: cifar });
      expect(mobile.taps.map((tap) => tap.name).slice(0, 5)).toEqual([
        'stage1_block1',
        'stage1_block2',
        'stage1_block3',
        'stage2_block1',
        'stage2_block2',
      ]);
      const shuffle = describeBackbone('shufflenetv2', { classes: 100, inputShape: cifar });
      expect(shuffle.taps.at(-1)?.name).toBe('stage3_unit4');
      const vgg = describeBackbone('vgg8', { classes: 100, inputShape: cifar });
      expect(vgg.taps.map((tap) => tap.name)).toEqual([
        'stage1_conv1',
        'stage2_conv1',
        'stage3_conv1',
        'stage4_conv1',
        'stage4_conv2',
      ]);
    });

    it('parses the edge names into their architectures', () => {
      expect(parseBackboneName('MobileNetV2-0.50')).toMatchObject({
        name: 'mobilenetv2-0.5',
        label: 'MobileNetV2-0.5',
        family: 'mobilenetv2',
        widthMultiplier: 0.5,
        stemWidth: 16,
        headWidth: 1280,
      });
      expect(parseBackboneName('mobilenetv2-1.4')).toMatchObject({ stemWidth: 44, headWidth: 1792 });
      expect(parseBackboneName('shufflenetv2')).toMatchObject({
        label: 'ShuffleNetV2',
        family: 'shufflenetv2',
      });
      expect(parseBackboneName('VGG13')).toMatchObject({ name: 'vgg13', label: 'VGG-13', family: 'vgg' });
    });
  });
});
