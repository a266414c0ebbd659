import { randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';

/** What a temporary folder beside the cache holds: the cache being written, or an archive being unpacked. */
export type ScratchPurpose = 'importing' | 'unpacking';

const scratchPattern = /^\..+\.(importing|unpacking)-(\d+)-[0-9a-f-]{36}$/;

/**
 * A new temporary folder's path beside `target`, hidden, named after the process that owns it so that one
 * left by a killed process can be recognised and removed later.
 */
export function scratchFolder(target: string, purpose: ScratchPurpose): string {
  return path.join(
    path.dirname(target),
    `.${path.basename(target)}.${purpose}-${process.pid}-${randomUUID()}`,
  );
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return typeof error === 'object' && error !== null && 'code' in error && error.code === 'EPERM';
  }
}

/**
 * Removes the temporary folders in `parent` whose owning process is gone (an import killed with its worker
 * cannot clean up after itself); folders of imports still running, here or in another process, are kept.
 */
export async function removeAbandonedScratch(parent: string): Promise<void> {
  let names: string[];
  try {
    names = await fs.readdir(parent);
  } catch {
    return;
  }
  for (const name of names) {
    const owner = Number(scratchPattern.exec(name)?.[2] ?? Number.NaN);
    if (Number.isInteger(owner) && owner !== process.pid && !isAlive(owner)) {
      await fs.rm(path.join(parent, name), { recursive: true, force: true });
    }
  }
}
