import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { experimentSpecSchema } from '../../../src-shared/domain/experiment-spec.js';

const documentText = readFileSync(new URL('../../../docs/experiment-spec.md', import.meta.url), 'utf8');
const examples = [...documentText.matchAll(/```json\n([\s\S]*?)\n```/g)].map((match) =>
  experimentSpecSchema.parse(JSON.parse(match[1] ?? '')),
);

describe('docs/experiment-spec.md', () => {
  it('holds two complete examples that the spec schema accepts', () => {
    expect(examples).toHaveLength(2);
  });

  it('the Quick example trains a small student on a subset for a few epochs with one seed', () => {
    const quick = examples[0];
    expect(quick?.preset).toBe('quick');
    expect(quick?.seeds).toEqual([1]);
    expect(quick?.schedule.epochs).toBeLessThanOrEqual(5);
    expect(quick?.subset?.trainImages).toBeDefined();
  });

  it('the paper example is the reference recipe of method.md §3', () => {
    const paper = examples[1];
    expect(paper?.teacher).toEqual({ source: 'train', backbone: 'wrn-40-2' });
    expect(paper?.student.backbone).toBe('wrn-16-2');
    expect(paper?.schedule).toEqual({
      epochs: 240,
      batchSize: 64,
      learningRate: 0.05,
      momentum: 0.9,
      weightDecay: 0.0005,
      learningRateSchedule: { kind: 'step', milestones: [150, 180, 210], gamma: 0.1 },
      warmupEpochs: 0,
    });
    expect(paper?.seeds).toEqual([1, 2, 3]);
    expect(paper?.methods).toEqual(['none', 'kd', 'at', 'afd', 'rtk']);
  });
});
