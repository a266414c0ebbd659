import { mkdirSync, mkdtempSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  browsePath,
  defaultBrowseRoots,
  maximumListedEntries,
} from '../../../src-main/services/path-browser.js';

let root = '';
let outside = '';

beforeEach(() => {
  const base = realpathSync(mkdtempSync(join(tmpdir(), 'rtk-browse-')));
  root = join(base, 'root');
  outside = join(base, 'outside');
  mkdirSync(join(root, 'data', 'cifar'), { recursive: true });
  mkdirSync(join(root, 'Archive'));
  mkdirSync(join(root, '.cache'));
  writeFileSync(join(root, 'notes.txt'), 'twelve bytes');
  writeFileSync(join(root, 'b.tar.gz'), 'x');
  writeFileSync(join(root, 'run10.bin'), '');
  writeFileSync(join(root, 'run2.bin'), '');
  writeFileSync(join(root, '.hidden'), 'secret');
  mkdirSync(outside);
  writeFileSync(join(outside, 'passwords.txt'), 'secret');
});

describe('the path browser', () => {
  it('lists the first root when no path is given: folders first, sorted by name, dot-files left out', async () => {
    const listing = await browsePath({ kind: 'file' }, [root]);
    expect(listing.path).toBe(root);
    expect(listing.parent).toBeNull();
    expect(listing.roots).toEqual([root]);
    expect(listing.truncated).toBe(false);
    expect(listing.unreadable).toBe(0);
    expect(listing.entries).toEqual([
      { name: 'Archive', path: join(root, 'Archive'), kind: 'folder', sizeBytes: null },
      { name: 'data', path: join(root, 'data'), kind: 'folder', sizeBytes: null },
      { name: 'b.tar.gz', path: join(root, 'b.tar.gz'), kind: 'file', sizeBytes: 1 },
      { name: 'notes.txt', path: join(root, 'notes.txt'), kind: 'file', sizeBytes: 12 },
      { name: 'run2.bin', path: join(root, 'run2.bin'), kind: 'file', sizeBytes: 0 },
      { name: 'run10.bin', path: join(root, 'run10.bin'), kind: 'file', sizeBytes: 0 },
    ]);
  });

  it('lists only folders when asked for a folder', async () => {
    const listing = await browsePath({ path: root, kind: 'folder' }, [root]);
    expect(listing.entries.map((entry) => entry.name)).toEqual(['Archive', 'data']);
  });

  it('gives the parent inside a root, and lists the folder of a file', async () => {
    const listing = await browsePath({ path: join(root, 'data', 'cifar'), kind: 'folder' }, [root]);
    expect(listing.parent).toBe(join(root, 'data'));
    const ofFile = await browsePath({ path: join(root, 'notes.txt'), kind: 'file' }, [root]);
    expect(ofFile.path).toBe(root);
  });

  it('refuses a path outside the roots, and names the roots', async () => {
    await expect(browsePath({ path: outside, kind: 'folder' }, [root])).rejects.toThrow(
      `is outside the folders this workbench may browse (${root})`,
    );
    await expect(browsePath({ path: '/', kind: 'folder' }, [root])).rejects.toThrow(/--browse-root/);
  });

  it('refuses to climb out with ..', async () => {
    for (const path of [join(root, '..'), `${root}/data/../../outside`, `${root}/../outside/passwords.txt`]) {
      await expect(browsePath({ path, kind: 'file' }, [root])).rejects.toThrow(/outside the folders/);
    }
  });

  it('refuses to follow a symlink out of the roots, and leaves such links out of listings', async () => {
    symlinkSync(outside, join(root, 'escape'));
    symlinkSync(join(outside, 'passwords.txt'), join(root, 'escape.txt'));
    symlinkSync(join(root, 'data'), join(root, 'shortcut'));
    await expect(browsePath({ path: join(root, 'escape'), kind: 'file' }, [root])).rejects.toThrow(
      /outside the folders/,
    );
    await expect(browsePath({ path: join(root, 'escape.txt'), kind: 'file' }, [root])).rejects.toThrow(
      /outside the folders/,
    );
    const listing = await browsePath({ path: root, kind: 'file' }, [root]);
    const names = listing.entries.map((entry) => entry.name);
    expect(names).not.toContain('escape');
    expect(names).not.toContain('escape.txt');
    expect(listing.entries.find((entry) => entry.name === 'shortcut')?.kind).toBe('folder');
  });

  it('treats a root reached through a symlink as its real folder', async () => {
    const link = join(outside, 'link-to-root');
    symlinkSync(root, link);
    const listing = await browsePath({ path: join(link, 'data'), kind: 'folder' }, [link]);
    expect(listing.path).toBe(join(root, 'data'));
    expect(listing.roots).toEqual([root]);
  });

  it('refuses a relative path and a path that does not exist', async () => {
    await expect(browsePath({ path: 'data', kind: 'folder' }, [root])).rejects.toThrow(/not a full path/);
    await expect(browsePath({ path: join(root, 'missing'), kind: 'folder' }, [root])).rejects.toThrow(
      /There is no file or folder/,
    );
  });

  it(`lists at most ${maximumListedEntries} entries and says the listing is cut`, async () => {
    const big = join(root, 'big');
    mkdirSync(big);
    for (let index = 0; index < maximumListedEntries + 5; index += 1) {
      writeFileSync(join(big, `image-${String(index).padStart(5, '0')}.png`), '');
    }
    mkdirSync(join(big, 'zz-folder'));
    const listing = await browsePath({ path: big, kind: 'file' }, [root]);
    expect(listing.entries).toHaveLength(maximumListedEntries);
    expect(listing.truncated).toBe(true);
    expect(listing.entries[0]?.name).toBe('zz-folder');
    expect(listing.entries[1]?.name).toBe('image-00000.png');
  });

  it('counts names that are not UTF-8 instead of failing', async () => {
    const odd = join(root, 'odd');
    mkdirSync(odd);
    writeFileSync(
      Buffer.concat([Buffer.from(`${odd}/`), Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x2e, 0x70])]),
      '',
    );
    writeFileSync(join(odd, 'café.png'), 'ok');
    const listing = await browsePath({ path: odd, kind: 'file' }, [root]);
    expect(listing.unreadable).toBe(1);
    expect(listing.entries).toEqual([
      { name: 'café.png', path: join(odd, 'café.png'), kind: 'file', sizeBytes: 2 },
    ]);
  });
});

describe('the default browse roots', () => {
  it('hold the home folder and the extra roots that exist, never a missing one', () => {
    const roots = defaultBrowseRoots([root, join(root, 'missing'), `${root}/data/..`]);
    expect(roots[0]).toBe(homedir());
    expect(roots).toContain(root);
    expect(roots).not.toContain(join(root, 'missing'));
    expect(roots.filter((entry) => entry === root)).toHaveLength(1);
    for (const entry of roots)
      expect(['/media', '/mnt', '/usr/share/datasets', homedir(), root]).toContain(entry);
  });
});
