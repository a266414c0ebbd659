import { describe, expect, it } from 'vitest';
import { formatBytes, formatDate, formatDateTime } from '../../../../src-renderer/lib/format.js';

describe('formatBytes', () => {
  it('uses the largest binary unit that keeps the value at or above one', () => {
    expect(formatBytes(0)).toBe('0 bytes');
    expect(formatBytes(1023)).toBe('1023 bytes');
    expect(formatBytes(1536)).toBe('2 KB');
    expect(formatBytes(5 * 1024 ** 2)).toBe('5 MB');
    expect(formatBytes(5.3 * 1024 ** 3)).toBe('5.3 GB');
    expect(formatBytes(2 * 1024 ** 4)).toBe('2.0 TB');
  });
});

describe('formatDate and formatDateTime', () => {
  it('return text that is not a timestamp unchanged', () => {
    expect(formatDate('yesterday')).toBe('yesterday');
    expect(formatDateTime('not a date')).toBe('not a date');
  });

  it('format a timestamp with its year', () => {
    expect(formatDate('2025-03-01T10:00:00Z')).toContain('2025');
    expect(formatDateTime('2025-03-01T10:00:00Z')).toContain('2025');
  });
});
