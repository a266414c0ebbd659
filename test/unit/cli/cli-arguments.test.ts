import { describe, expect, it } from 'vitest';
import {
  parseChoiceFlag,
  parseNumberFlag,
  resolveIdPrefix,
  UsageError,
} from '../../../src-main/cli/cli-arguments.js';
import { parseInputShape } from '../../../src-main/cli/commands/models.js';

describe('command-line arguments', () => {
  it('accepts numbers in range and refuses others with the flag named', () => {
    expect(parseNumberFlag('size', '32', { minimum: 8, maximum: 1024, integer: true })).toBe(32);
    expect(parseNumberFlag('size', undefined, { minimum: 8, maximum: 1024, integer: true })).toBeUndefined();
    expect(() => parseNumberFlag('size', '4', { minimum: 8, maximum: 1024, integer: true })).toThrow(
      '--size must be a whole number from 8 to 1024, not "4".',
    );
    expect(() => parseNumberFlag('size', '12.5', { minimum: 8, maximum: 1024, integer: true })).toThrow(
      UsageError,
    );
    expect(() => parseNumberFlag('val-fraction', '', { minimum: 0, maximum: 0.99, integer: false })).toThrow(
      UsageError,
    );
    expect(parseNumberFlag('val-fraction', '0.1', { minimum: 0, maximum: 0.99, integer: false })).toBe(0.1);
  });

  it('accepts one of a list of choices', () => {
    expect(parseChoiceFlag('channels', '3', ['1', '3'])).toBe('3');
    expect(() => parseChoiceFlag('channels', '2', ['1', '3'])).toThrow(
      '--channels must be one of 1, 3, not "2".',
    );
  });

  it('resolves an id from a unique prefix and refuses unknown or ambiguous ones', () => {
    const ids = ['3f9c2a4e-1', '3f9c77aa-2', '8b1e4f70-3'];
    expect(resolveIdPrefix('8b1e', ids, 'run')).toBe('8b1e4f70-3');
    expect(resolveIdPrefix('3f9c2a4e-1', ids, 'run')).toBe('3f9c2a4e-1');
    expect(() => resolveIdPrefix('ffff', ids, 'run')).toThrow('There is no run ffff in this workbench.');
    expect(() => resolveIdPrefix('3f9c', ids, 'run')).toThrow(/"3f9c" matches 2 runs/);
    expect(() => resolveIdPrefix('', ids, 'run')).toThrow(UsageError);
  });

  it('parses the --input shape of the models command', () => {
    expect(parseInputShape('28x28x1')).toEqual([28, 28, 1]);
    expect(() => parseInputShape('28x28')).toThrow(UsageError);
  });
});
