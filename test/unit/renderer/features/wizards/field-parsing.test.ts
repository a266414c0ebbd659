import { describe, expect, it } from 'vitest';
import { parseNumberField, parseSeeds } from '../../../../../src-renderer/features/wizards/field-parsing.js';

describe('the wizard fields', () => {
  const rules = { minimum: 1, maximum: 100, integer: true };

  it('reads a number within its range, and an empty field as "use the default"', () => {
    expect(parseNumberField(' 42 ', rules)).toEqual({ value: 42, problem: null });
    expect(parseNumberField('', rules)).toEqual({ value: null, problem: null });
    expect(parseNumberField('0.5', { minimum: 0, maximum: 1, integer: false })).toEqual({
      value: 0.5,
      problem: null,
    });
  });

  it('explains what is wrong with a number', () => {
    expect(parseNumberField('many', rules).problem).toBe('Enter a number.');
    expect(parseNumberField('2.5', rules).problem).toBe('Enter a whole number.');
    expect(parseNumberField('101', rules).problem).toBe('Enter a value from 1 to 100.');
    expect(parseNumberField('0', rules).value).toBeNull();
  });

  it('reads distinct whole seeds separated by commas', () => {
    expect(parseSeeds('1, 2,3')).toEqual([1, 2, 3]);
    expect(parseSeeds('7')).toEqual([7]);
    expect(parseSeeds('1, 1')).toBeNull();
    expect(parseSeeds('1, -2')).toBeNull();
    expect(parseSeeds('1.5')).toBeNull();
    expect(parseSeeds(' , ')).toBeNull();
  });
});
