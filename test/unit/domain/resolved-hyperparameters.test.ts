import { describe, expect, it } from 'vitest';
import {
  formatSetting,
  hyperparameterValues,
  resolvedHyperparameters,
} from '../../../src-shared/domain/resolved-hyperparameters.js';

describe('resolved hyperparameters', () => {
  const taps = { teacher: 18, student: 6 };

  it('fill every value a method uses and say whether it was set, a default or derived from the taps', () => {
    const rtk = resolvedHyperparameters('rtk', { kdWeight: 0.5 }, taps);
    expect(rtk.map((entry) => [entry.key, entry.value, entry.source])).toEqual([
      ['beta', 600, 'derived'],
      ['qkDim', 128, 'default'],
      ['temperature', 4, 'default'],
      ['kdWeight', 0.5, 'set'],
      ['rtkSelection', 'topk', 'default'],
      ['rtkK', 3, 'derived'],
      ['rtkDistance', 'normalized', 'default'],
    ]);
    expect(rtk[0]).toMatchObject({ shown: '600', rule: '200 × teacher taps ÷ student taps' });
    expect(rtk[4]?.shown).toBe('Top k teacher layers');
    expect(rtk[1]?.rule).toBeNull();
  });

  it('leave out a setting whose choice is not made: τ only with threshold selection, k only with top-k', () => {
    const threshold = resolvedHyperparameters('rtk', { rtkSelection: 'threshold' }, taps);
    expect(threshold.map((entry) => entry.key)).toContain('rtkTau');
    expect(threshold.map((entry) => entry.key)).not.toContain('rtkK');
    expect(threshold.find((entry) => entry.key === 'rtkTau')?.shown).toBe('0.0555556');
  });

  it('keep a derived value unknown, with its rule, when the tap counts are not known', () => {
    const unknown = resolvedHyperparameters('rtk', { beta: 50 }, null);
    expect(unknown.find((entry) => entry.key === 'beta')).toMatchObject({ value: 50, source: 'set' });
    expect(unknown.find((entry) => entry.key === 'rtkK')).toMatchObject({
      value: null,
      shown: '',
      source: 'derived',
      rule: 'teacher taps ÷ student taps, rounded up',
    });
    expect(hyperparameterValues(unknown)).not.toHaveProperty('rtkK');
  });

  it('give the student alone no settings, and refuse a value out of range as the catalog does', () => {
    expect(resolvedHyperparameters('none', {}, taps)).toEqual([]);
    expect(() => resolvedHyperparameters('at', { beta: -1 }, taps)).toThrow(/between 0 and 100000/);
  });

  it('are a plain record for the model card and the worker', () => {
    expect(hyperparameterValues(resolvedHyperparameters('kd', {}, taps))).toEqual({
      temperature: 4,
      kdWeight: 0.9,
    });
    expect(formatSetting(0.0005)).toBe('0.0005');
    expect(formatSetting(1 / 3)).toBe('0.333333');
  });
});
