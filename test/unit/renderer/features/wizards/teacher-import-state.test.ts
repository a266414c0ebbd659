import { describe, expect, it } from 'vitest';
import {
  validateTeacherImportForm,
  type TeacherImportForm,
} from '../../../../../src-renderer/features/wizards/teacher-import-state.svelte.js';

const form = (changes: Partial<TeacherImportForm>): TeacherImportForm => ({
  source: '/models/resnet56.onnx',
  name: '',
  normalisation: 'dataset',
  scale: '1',
  channelOrder: 'RGB',
  mean: '',
  std: '',
  labels: '',
  ...changes,
});

describe('the teacher import form', () => {
  it('builds the import arguments with the chosen normalisation in plain settings', () => {
    expect(validateTeacherImportForm(form({}), 'dataset-1').request).toEqual({
      source: '/models/resnet56.onnx',
      datasetId: 'dataset-1',
      contract: { preset: 'dataset', scale: 1, channelOrder: 'RGB' },
    });
    expect(
      validateTeacherImportForm(
        form({ normalisation: 'custom', mean: '0.5, 0.5, 0.5', std: '0.25', scale: '255', name: ' mine ' }),
        'dataset-1',
      ).request,
    ).toEqual({
      source: '/models/resnet56.onnx',
      datasetId: 'dataset-1',
      name: 'mine',
      contract: { preset: 'custom', scale: 255, channelOrder: 'RGB', mean: [0.5, 0.5, 0.5], std: [0.25] },
    });
  });

  it('names each problem and builds nothing while one remains', () => {
    const result = validateTeacherImportForm(
      form({ source: 'model.onnx', normalisation: 'custom', mean: 'a', std: '0, 1' }),
      'dataset-1',
    );
    expect(result.request).toBeNull();
    expect(result.problems.source).toMatch(/full path/);
    expect(result.problems.mean).toMatch(/one to three numbers/);
    expect(result.problems.std).toMatch(/positive/);
  });
});
