import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** Writes a file and flushes it to disk before returning, so a later rename publishes complete content. */
export async function writeFileDurably(file: string, data: Uint8Array | string): Promise<void> {
  const handle = await open(file, 'w');
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Fills a temporary folder beside `target` with `fill`, then renames it to `target` in one step, so readers
 * see either nothing or the whole folder. On any error the temporary folder is removed and nothing is left.
 * An existing `target` is replaced only when `replace` is true.
 */
export async function writeDirectoryAtomically(
  target: string,
  fill: (temporaryDirectory: string) => Promise<void>,
  options: { readonly replace: boolean } = { replace: false },
): Promise<void> {
  await mkdir(dirname(target), { recursive: true });
  const temporary = join(dirname(target), `.${basename(target)}.partial-${randomBytes(6).toString('hex')}`);
  await mkdir(temporary);
  try {
    await fill(temporary);
    if (options.replace) {
      const previous = `${temporary}.previous`;
      const moved = await rename(target, previous).then(
        () => true,
        (error: NodeJS.ErrnoException) => {
          if (error.code !== 'ENOENT') throw error;
          return false;
        },
      );
      try {
        await rename(temporary, target);
      } catch (error) {
        // Put the previous content back, so a failed replace changes nothing.
        if (moved) await rename(previous, target);
        throw error;
      }
      await rm(previous, { recursive: true, force: true });
    } else {
      await rename(temporary, target);
    }
  } catch (error) {
    await rm(temporary, { recursive: true, force: true });
    throw error;
  }
}
