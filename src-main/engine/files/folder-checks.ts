import { randomBytes } from 'node:crypto';
import { rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The path itself if it is a folder, else its nearest parent that exists (where a new folder would go). */
export function nearestExistingFolder(path: string): string {
  for (let current = path; ; current = dirname(current)) {
    try {
      if (statSync(current).isDirectory()) return current;
    } catch {
      if (dirname(current) === current) return current;
    }
  }
}

/**
 * Whether this process can create files in `folder`, found by writing and removing a probe file; the error
 * code (EACCES, EROFS, …) when it cannot. A probe, not access(W_OK): root passes access() on folders it still
 * cannot write (sysfs, read-only mounts).
 */
export function writeProbe(folder: string): string | null {
  const probe = join(folder, `.rtk-write-probe-${randomBytes(6).toString('hex')}`);
  try {
    writeFileSync(probe, '');
  } catch (error) {
    return (error as NodeJS.ErrnoException).code ?? 'unknown error';
  }
  rmSync(probe, { force: true });
  return null;
}
