import { describe, expect, it } from 'vitest';
import {
  distillationMethods,
  methodCatalog,
  resolveHyperparameters,
} from '../../../src-shared/domain/method-catalog.js';

describe('method catalog', () => {
  it('describes every method, and every number default lies inside its range', () => {
    for (const method of distillationMethods) {
      const descriptor = methodCatalog[method];
      expect(descriptor.method).toBe(method);
      for (const parameter of descriptor.hyperparameters) {
        expect(parameter.explanation.length).toBeGreaterThan(10);
        if (parameter.kind === 'number' && parameter.default !== null) {
          expect(parameter.default).toBeGreaterThanOrEqual(parameter.minimum);
          expect(parameter.default).toBeLessThanOrEqual(parameter.maximum);
        }
        if (parameter.kind === 'number' && parameter.default === null)
          expect(parameter.derivedDefault).toBeDefined();
      }
    }
  });

  it('fills the defaults of method.md, deriving RTK β, k and τ from the tap counts', () => {
    const taps = { teacher: 18, student: 6 };
    expect(resolveHyperparameters('kd', {}, taps)).toEqual({ method: 'kd', temperature: 4, kdWeight: 0.9 });
    expect(resolveHyperparameters('at', {}, taps)).toEqual({ method: 'at', beta: 1000 });
    expect(resolveHyperparameters('afd', {}, taps)).toEqual({
      method: 'afd',
      beta: 200,
      qkDim: 128,
      temperature: 4,
      kdWeight: 0.9,
    });
    expect(resolveHyperparameters('rtk', {}, taps)).toEqual({
      method: 'rtk',
      beta: 600,
      qkDim: 128,
      temperature: 4,
      kdWeight: 0.9,
      rtkSelection: 'topk',
      rtkK: 3,
      rtkTau: 1 / 18,
      rtkDistance: 'normalized',
    });
    expect(
      resolveHyperparameters('rtk', { rtkK: 2, beta: 50, rtkSelection: 'perStage' }, taps),
    ).toMatchObject({
      rtkK: 2,
      beta: 50,
      rtkSelection: 'perStage',
    });
    expect(resolveHyperparameters('rtk', {}, { teacher: 7, student: 2 })).toMatchObject({
      rtkK: 4,
      beta: 700,
    });
  });

  it('rejects unknown names, values out of range and wrong choices with readable messages', () => {
    const taps = { teacher: 18, student: 6 };
    expect(() => resolveHyperparameters('kd', { beta: 3 }, taps)).toThrow(
      'Method KD has no hyperparameter "beta"',
    );
    expect(() => resolveHyperparameters('afd', { qkDim: 16.5 }, taps)).toThrow('must be a whole number');
    expect(() => resolveHyperparameters('at', { beta: -1 }, taps)).toThrow('between 0 and 100000; got -1');
    expect(() => resolveHyperparameters('rtk', { rtkDistance: 'cosine' }, taps)).toThrow(
      'Distance must be one of normalized, mean; got cosine',
    );
    expect(() => resolveHyperparameters('rtk', { rtkK: 19 }, taps)).toThrow(
      'at most the number of teacher taps (18)',
    );
  });
});
