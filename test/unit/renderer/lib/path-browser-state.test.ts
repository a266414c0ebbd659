import { describe, expect, it } from 'vitest';
import { acceptsFile, breadcrumbs } from '../../../../src-renderer/lib/path-browser-state.svelte.js';

describe('the path browser trail', () => {
  it('starts at the innermost root holding the folder and names each folder below it', () => {
    expect(breadcrumbs('/home/me/data/cifar', ['/media', '/home/me', '/home/me/data'])).toEqual([
      { label: '/home/me/data', path: '/home/me/data' },
      { label: 'cifar', path: '/home/me/data/cifar' },
    ]);
    expect(breadcrumbs('/home/me', ['/home/me'])).toEqual([{ label: '/home/me', path: '/home/me' }]);
  });

  it('does not take a root for a folder that merely starts with the same letters', () => {
    expect(breadcrumbs('/mnt2/x', ['/mnt'])).toEqual([{ label: '/mnt2/x', path: '/mnt2/x' }]);
  });

  it('handles the file-system root and Windows paths', () => {
    expect(breadcrumbs('/srv/data', ['/'])).toEqual([
      { label: '/', path: '/' },
      { label: 'srv', path: '/srv' },
      { label: 'data', path: '/srv/data' },
    ]);
    expect(breadcrumbs('C:\\Users\\me\\data', ['C:\\Users\\me'])).toEqual([
      { label: 'C:\\Users\\me', path: 'C:\\Users\\me' },
      { label: 'data', path: 'C:\\Users\\me\\data' },
    ]);
  });
});

describe('the file filter of a path field', () => {
  it('accepts every file without a list, and matches extensions without case otherwise', () => {
    expect(acceptsFile('train-images-idx3-ubyte', undefined)).toBe(true);
    expect(acceptsFile('train-images-idx3-ubyte', [])).toBe(true);
    expect(acceptsFile('CIFAR-10.TAR.GZ', ['.tar.gz', '.zip'])).toBe(true);
    expect(acceptsFile('notes.txt', ['.tar.gz', '.zip'])).toBe(false);
  });
});
