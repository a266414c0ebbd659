import { describe, expect, it } from 'vitest';
import { fieldControlAttributes } from '../../../../../src-renderer/lib/components/field-attributes.js';

describe('fieldControlAttributes', () => {
  it('leaves aria-invalid and aria-describedby off a plain field that is never checked', () => {
    expect(
      fieldControlAttributes('teacher-scale', { hasHint: false, error: undefined, describedBy: undefined }),
    ).toEqual({ id: 'teacher-scale', 'aria-invalid': undefined, 'aria-describedby': undefined });
  });

  it('marks a checked field valid and points at its hint while it is fine', () => {
    expect(
      fieldControlAttributes('import-size', { hasHint: true, error: null, describedBy: undefined }),
    ).toEqual({
      id: 'import-size',
      'aria-invalid': false,
      'aria-describedby': 'import-size-hint',
    });
  });

  it('adds the error after the hint while the field has a problem', () => {
    expect(
      fieldControlAttributes('schedule-seeds', {
        hasHint: true,
        error: 'Seeds must be whole numbers.',
        describedBy: undefined,
      }),
    ).toEqual({
      id: 'schedule-seeds',
      'aria-invalid': true,
      'aria-describedby': 'schedule-seeds-hint schedule-seeds-error',
    });
  });

  it('puts a shared outside hint first, and describes an invalid field without a hint by its error', () => {
    expect(
      fieldControlAttributes('teacher-mean', {
        hasHint: false,
        error: 'Three numbers, one per channel.',
        describedBy: 'teacher-numbers-hint',
      })['aria-describedby'],
    ).toBe('teacher-numbers-hint teacher-mean-error');
    expect(
      fieldControlAttributes('experiment-name', {
        hasHint: false,
        error: 'Give it a name.',
        describedBy: undefined,
      })['aria-describedby'],
    ).toBe('experiment-name-error');
  });
});
