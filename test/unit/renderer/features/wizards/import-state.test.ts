import { describe, expect, it } from 'vitest';
import { validateImportForm } from '../../../../../src-renderer/features/wizards/import-state.svelte.js';
import type { ImportForm } from '../../../../../src-renderer/features/wizards/import-state.svelte.js';

const form = (changes: Partial<ImportForm>): ImportForm => ({
  source: '/data/cifar-10-batches-bin',
  format: 'auto',
  name: '',
  size: '',
  channels: 'keep',
  validationPercent: '0',
  ...changes,
});

describe('the import form', () => {
  it('builds the import arguments, leaving out what the user left at "as in the source"', () => {
    expect(validateImportForm(form({})).request).toEqual({
      source: '/data/cifar-10-batches-bin',
      format: 'auto',
    });
    expect(
      validateImportForm(
        form({ name: ' Mine ', size: '64', channels: 'grey', validationPercent: '10', format: 'folder' }),
      ).request,
    ).toEqual({
      source: '/data/cifar-10-batches-bin',
      format: 'folder',
      name: 'Mine',
      size: 64,
      channels: 1,
      validationFraction: 0.1,
    });
    expect(validateImportForm(form({ source: 'C:\\data\\svhn' })).request).toMatchObject({
      source: 'C:\\data\\svhn',
    });
  });

  it('names each problem and builds nothing while one remains', () => {
    const empty = validateImportForm(form({ source: '  ' }));
    expect(empty.request).toBeNull();
    expect(empty.problems.source).toBe('Enter the path of a file or folder.');
    expect(validateImportForm(form({ source: 'data/cifar' })).problems.source).toMatch(/full path/);
    const bad = validateImportForm(form({ size: '7', validationPercent: '95' }));
    expect(bad.request).toBeNull();
    expect(bad.problems).toEqual({
      source: null,
      size: 'Give a whole number from 8 to 1024, or leave it empty.',
      validationPercent: 'Give a percentage from 0 to 90.',
    });
  });
});
