import { describe, expect, it } from 'vitest';
import {
  formatParameters,
  studentSizeWarning,
} from '../../../../../src-renderer/features/wizards/student-size.js';

// Parameter counts of the catalog networks for 32×32×3 images and ten classes.
const resnet20 = { label: 'ResNet-20', parameterCount: 272_474 };
const resnet32x4 = { label: 'ResNet-32x4', parameterCount: 7_410_730 };
const resnet8 = { label: 'ResNet-8', parameterCount: 78_042 };
const wrn161 = { label: 'WRN-16-1', parameterCount: 175_066 };
const resnet14 = { label: 'ResNet-14', parameterCount: 175_258 };

describe('studentSizeWarning', () => {
  it('warns, with both parameter counts, when the student is larger than the teacher', () => {
    expect(studentSizeWarning(resnet20, resnet32x4)).toBe(
      'The student ResNet-32x4 (7.41 M parameters) is 27.2× larger than the teacher ResNet-20 (272.5 k ' +
        'parameters). Distillation makes a large network teach a smaller one: choose a student with fewer ' +
        'parameters than the teacher, or a larger teacher.',
    );
  });

  it('warns when the two are about the same size, the teacher the same network included', () => {
    expect(studentSizeWarning(resnet8, resnet8)).toMatch(
      /^The student ResNet-8 \(78\.0 k parameters\) is about as large as the teacher ResNet-8 \(78\.0 k parameters\)/,
    );
    expect(studentSizeWarning(resnet14, wrn161)).toMatch(/is about as large as the teacher ResNet-14/);
  });

  it('says nothing when the student is smaller', () => {
    expect(studentSizeWarning(resnet32x4, resnet8)).toBeNull();
    expect(studentSizeWarning(resnet20, resnet8)).toBeNull();
  });

  it('compares nothing when a size is unknown (an imported ONNX teacher)', () => {
    expect(studentSizeWarning({ label: 'model.onnx', parameterCount: null }, resnet32x4)).toBeNull();
    expect(studentSizeWarning(null, resnet32x4)).toBeNull();
    expect(studentSizeWarning(resnet20, null)).toBeNull();
  });
});

describe('formatParameters', () => {
  it('shows thousands below a million and millions from there', () => {
    expect(formatParameters(78_042)).toBe('78.0 k');
    expect(formatParameters(1_210_410)).toBe('1.21 M');
  });
});
