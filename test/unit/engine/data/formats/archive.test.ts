import { mkdirSync, readFileSync, readdirSync, truncateSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  listArchive,
  safeEntryName,
  unpackArchive,
} from '../../../../../src-main/engine/data/formats/archive.js';
import {
  DatasetFormatError,
  DatasetStorageError,
} from '../../../../../src-main/engine/data/formats/errors.js';
import { defaultImportLimits } from '../../../../../src-main/engine/data/formats/limits.js';
import { writeArchive } from '../../../../fixtures/datasets/archives.js';
import type { ArchiveSpec } from '../../../../fixtures/datasets/archives.js';
import { seededBytes } from '../../../../fixtures/datasets/random.js';
import { canMountTmpfs, temporaryFolder, withTmpfs } from '../../../../fixtures/datasets/temp.js';

const limits = defaultImportLimits();
let folder: { path: string; remove: () => void };
let content: string;
let into: string;
beforeEach(() => {
  folder = temporaryFolder('archive');
  content = path.join(folder.path, 'content');
  into = path.join(folder.path, 'into');
  mkdirSync(path.join(content, 'nested', 'deeper'), { recursive: true });
  writeFileSync(path.join(content, 'a.bin'), seededBytes(1, 70_000));
  writeFileSync(path.join(content, 'nested', 'deeper', 'b.txt'), 'bee');
  mkdirSync(into);
});
afterEach(() => folder.remove());

function archive(kind: ArchiveSpec['kind'], extra: NonNullable<ArchiveSpec['extra']> = []): string {
  const extension = kind === 'tar.gz' ? 'tgz' : kind;
  return writeArchive({
    output: path.join(folder.path, `made.${extension}`),
    kind,
    add: [{ path: content, arcname: 'top' }],
    extra,
  });
}

async function unpackFailure(file: string, options = { limits }): Promise<Error> {
  const error = await unpackArchive(file, into, options).catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(DatasetFormatError);
  expect((error as DatasetFormatError).file).toBe(file);
  return error as Error;
}

describe('archives made by Python', () => {
  it.each(['tar', 'tar.gz', 'zip'] as const)('lists and unpacks a .%s with nested folders', async (kind) => {
    const file = archive(kind);
    const listed = await listArchive(file, limits);
    expect(listed.kind).toBe(kind);
    expect(listed.unpackedBytes).toBe(70_003);
    expect(
      listed.entries
        .filter((entry) => !entry.isDirectory)
        .map((entry) => entry.name)
        .sort(),
    ).toEqual(['top/a.bin', 'top/nested/deeper/b.txt']);
    const progress: [number, number][] = [];
    await unpackArchive(file, into, { limits, onProgress: (done, total) => progress.push([done, total]) });
    expect(
      readFileSync(path.join(into, 'top', 'a.bin')).equals(readFileSync(path.join(content, 'a.bin'))),
    ).toBe(true);
    expect(readFileSync(path.join(into, 'top', 'nested', 'deeper', 'b.txt'), 'utf8')).toBe('bee');
    expect(progress.at(-1)?.[0]).toBe(progress.at(-1)?.[1]);
  });
});

describe('hostile archives are refused', () => {
  it.each(['tar', 'zip'] as const)('a .%s entry that climbs out with ../ (zip slip)', async (kind) => {
    const file = archive(kind, [{ name: '../evil', text: 'x' }]);
    const error = await unpackFailure(file);
    expect(error.message).toBe(
      `${file} holds an entry named "../evil" that would be written outside the folder it is unpacked into; the archive was refused.`,
    );
    expect(readdirSync(folder.path)).not.toContain('evil');
  });

  it('a .tar entry with an absolute path', async () => {
    const file = archive('tar', [{ name: '/tmp/evil-absolute', text: 'x' }]);
    expect((await unpackFailure(file)).message).toContain('holds an entry named "/tmp/evil-absolute"');
  });

  it.each(['tar', 'zip'] as const)('a .%s holding a symbolic link', async (kind) => {
    const file = archive(kind, [{ name: 'top/link', symlink: '/etc/passwd' }]);
    const error = await unpackFailure(file);
    expect(error.message).toMatch(
      new RegExp(`^${file} holds a symbolic link "top/link".*; archives with links are refused`),
    );
  });

  it('a .tar holding a hard link', async () => {
    const file = archive('tar', [{ name: 'top/hard', hardlink: '/etc/passwd' }]);
    expect((await unpackFailure(file)).message).toContain(
      'holds a hard link "top/hard" (to "/etc/passwd"); archives with links are refused',
    );
  });

  it.each(['tar', 'zip'] as const)('a .%s entry declaring more than the limit', async (kind) => {
    const file = archive(kind);
    const error = await unpackFailure(file, { limits: { ...limits, maximumUnpackedBytes: 50_000 } });
    expect(error.message).toBe(
      `${file} unpacks to more than 0.1 MB, the most an archive may unpack to (entry "top/a.bin" declares 0.1 MB); it was not unpacked.`,
    );
  });

  it.each(['tar', 'zip'] as const)('a .%s with more entries than the limit', async (kind) => {
    const file = archive(kind);
    const error = await unpackFailure(file, { limits: { ...limits, maximumArchiveEntries: 2 } });
    expect(error.message).toMatch(
      /entries, (more than the 2 an archive may hold|the most an archive may hold)/,
    );
  });

  it.each([
    ['tar', /is not a complete, valid \.tar archive .*Truncated input/],
    ['tar.gz', /is not a complete, valid \.tar\.gz archive .*unexpected end of file/],
    [
      'zip',
      /is not a complete, valid \.zip archive .*: End of central directory record signature not found\. Either not a zip file, or file is truncated\.$/,
    ],
  ] as const)('a truncated .%s', async (kind, message) => {
    const file = archive(kind);
    truncateSync(file, Math.floor(readFileSync(file).length / 2));
    expect((await unpackFailure(file)).message).toMatch(message);
  });

  it.runIf(canMountTmpfs())(
    'a .zip larger than the free disk space, refused before anything is written',
    async () => {
      writeFileSync(path.join(content, 'a.bin'), seededBytes(2, 1_500_000));
      const file = archive('zip');
      await withTmpfs(into, '1m', async () => {
        const error = await unpackArchive(file, into, { limits }).catch((caught: unknown) => caught);
        expect(error).toBeInstanceOf(DatasetStorageError);
        expect((error as Error).message).toMatch(
          new RegExp(`^The disk is full: 1\\.0 MB free on ${into}; the import needs about 1\\.5 MB\\.$`),
        );
        expect(readdirSync(into)).toEqual([]);
      });
    },
  );

  it('keeps every name that stays inside and refuses every one that does not', () => {
    expect(safeEntryName('./top//a/./b.png')).toBe('top/a/b.png');
    expect(safeEntryName('top\\a.png')).toBe('top/a.png');
    for (const name of ['../x', 'a/../../x', '/etc/x', 'C:/x', 'a\\..\\..\\x', 'a\0b']) {
      expect(safeEntryName(name)).toBeUndefined();
    }
  });
});
