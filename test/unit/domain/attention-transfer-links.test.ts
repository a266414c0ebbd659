import { describe, expect, it } from 'vitest';
import {
  attentionTransferLinks,
  stageResolutions,
} from '../../../src-shared/domain/attention-transfer-links.js';
import { describeBackbone } from '../../../src-shared/domain/backbone-catalog.js';

const sizes = { classes: 100, inputShape: [32, 32, 3] as const };

function links(teacher: string, student: string): string[] {
  const teacherTaps = describeBackbone(teacher, sizes).taps;
  const studentTaps = describeBackbone(student, sizes).taps;
  return attentionTransferLinks(teacherTaps, studentTaps).map(
    (link) =>
      `${teacherTaps[link.teacher]?.name}→${studentTaps[link.student]?.name} (${link.height}x${link.width})`,
  );
}

describe('attentionTransferLinks', () => {
  it('links the stage ends of two WRNs stage by stage, as the reference', () => {
    expect(links('wrn-40-2', 'wrn-16-2')).toEqual([
      'stage1_block6→stage1_block2 (32x32)',
      'stage2_block6→stage2_block2 (16x16)',
      'stage3_block6→stage3_block2 (8x8)',
    ]);
  });

  it('links only the resolutions a heterogeneous pair shares', () => {
    expect(links('wrn-40-2', 'shufflenetv2')).toEqual([
      'stage2_block6→stage1_unit4 (16x16)',
      'stage3_block6→stage2_unit8 (8x8)',
    ]);
    expect(links('resnet32x4', 'mobilenetv2-0.5')).toEqual([
      'stage2_block5→stage1_block3 (16x16)',
      'stage3_block5→stage2_block3 (8x8)',
    ]);
    expect(links('wrn-40-2', 'vgg8')).toEqual([
      'stage1_block6→stage1_conv1 (32x32)',
      'stage2_block6→stage2_conv1 (16x16)',
      'stage3_block6→stage3_conv1 (8x8)',
    ]);
  });

  it('gives no links when no stage resolution is shared', () => {
    const teacher = [{ index: 0, stage: 0, shape: [8, 8, 4] as const }];
    const student = [
      { index: 0, stage: 0, shape: [4, 4, 2] as const },
      { index: 1, stage: 1, shape: [2, 2, 2] as const },
    ];
    expect(attentionTransferLinks(teacher, student)).toEqual([]);
    expect(stageResolutions(student)).toBe('4x4, 2x2');
  });
});
