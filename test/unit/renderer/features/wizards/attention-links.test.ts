import { describe, expect, it } from 'vitest';
import { describeBackbone } from '../../../../../src-shared/domain/backbone-catalog.js';
import { attentionLinkLabels } from '../../../../../src-renderer/features/wizards/new-experiment-state.svelte.js';

const sizes = { classes: 10, inputShape: [32, 32, 3] as const };

describe('the AT links the wizard shows', () => {
  it('names the linked taps and their resolution for a heterogeneous pair', () => {
    expect(
      attentionLinkLabels(describeBackbone('wrn-40-2', sizes), describeBackbone('mobilenetv2-0.5', sizes)),
    ).toEqual(['stage2_block6 → stage1_block3 (16×16)', 'stage3_block6 → stage2_block3 (8×8)']);
  });

  it('is empty when the pair shares no resolution', () => {
    // Stages of 30x30, 15x15, 8x8 against 10x10, 5x5, 3x3.
    const teacher = describeBackbone('wrn-16-2', { classes: 10, inputShape: [30, 30, 3] });
    const student = describeBackbone('shufflenetv2', { classes: 10, inputShape: [20, 20, 3] });
    expect(attentionLinkLabels(teacher, student)).toEqual([]);
  });
});
