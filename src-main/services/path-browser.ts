import { statSync } from 'node:fs';
import type { Dirent } from 'node:fs';
import { opendir, realpath, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, resolve, sep } from 'node:path';
import type { PathEntry, PathListing } from '../../src-shared/contracts/api.js';

/** The most entries one listing returns; a larger folder is listed in part and flagged as truncated. */
export const maximumListedEntries = 1_000;
// Reading stops here even for sorting, so a folder of millions of files cannot hold the server.
const maximumScannedEntries = 50_000;
// Debian's dataset packages (dataset-fashion-mnist, say) install under this folder.
const systemDatasetFolder = '/usr/share/datasets';
const utf8 = new TextDecoder('utf-8', { fatal: true });
const byName = new Intl.Collator('en', { numeric: true, sensitivity: 'base' });

/** What the browser may show: the user's home, removable and mounted drives, Debian's datasets, and extras. */
export function defaultBrowseRoots(extraRoots: readonly string[] = []): string[] {
  const candidates = [
    homedir(),
    '/media',
    '/mnt',
    systemDatasetFolder,
    ...extraRoots.map((root) => resolve(root)),
  ];
  return [...new Set(candidates)].filter((root) => {
    try {
      return statSync(root).isDirectory();
    } catch {
      return false;
    }
  });
}

function isInside(path: string, root: string): boolean {
  return path === root || path.startsWith(root.endsWith(sep) ? root : root + sep);
}

async function resolvedRoots(roots: readonly string[]): Promise<string[]> {
  const resolved = await Promise.all(roots.map((root) => realpath(root).catch(() => null)));
  return [...new Set(resolved.filter((root): root is string => root !== null))];
}

async function folderToList(requested: string | undefined, roots: readonly string[]): Promise<string> {
  if (requested === undefined || requested.trim() === '') {
    const first = roots[0];
    if (first === undefined) throw new Error('No folder can be browsed on this machine.');
    return first;
  }
  if (!isAbsolute(requested)) throw new Error(`"${requested}" is not a full path: it must start with /.`);
  let real: string;
  try {
    real = await realpath(requested);
  } catch {
    throw new Error(`There is no file or folder at ${requested}.`);
  }
  if (!roots.some((root) => isInside(real, root))) {
    throw new Error(
      `${requested} is outside the folders this workbench may browse (${roots.join(', ')}). ` +
        'Start the lab server with --browse-root DIR to add a folder.',
    );
  }
  return (await stat(real)).isDirectory() ? real : dirname(real);
}

interface Candidate {
  readonly name: string;
  readonly path: string;
  readonly kind: 'file' | 'folder';
}

/** A directory entry as a candidate: symlinks count only when they resolve inside a root. */
async function candidateFor(folder: string, entry: Dirent, roots: readonly string[]) {
  let name: string;
  try {
    // The folder is read as latin1, one character per byte, so the name's bytes come back exactly.
    name = utf8.decode(Buffer.from(entry.name, 'latin1'));
  } catch {
    return 'unreadable' as const;
  }
  if (name.startsWith('.')) return 'hidden' as const;
  const path = join(folder, name);
  if (entry.isDirectory()) return { name, path, kind: 'folder' as const };
  if (entry.isFile()) return { name, path, kind: 'file' as const };
  if (!entry.isSymbolicLink()) return 'hidden' as const;
  try {
    const target = await realpath(path);
    if (!roots.some((root) => isInside(target, root))) return 'hidden' as const;
    const kind = (await stat(target)).isDirectory() ? ('folder' as const) : ('file' as const);
    return { name, path, kind };
  } catch {
    return 'unreadable' as const;
  }
}

async function readCandidates(folder: string, roots: readonly string[]) {
  const candidates: Candidate[] = [];
  let unreadable = 0;
  let scanned = 0;
  let more = false;
  const directory = await opendir(folder, { encoding: 'latin1', bufferSize: 256 });
  for await (const entry of directory) {
    scanned += 1;
    if (scanned > maximumScannedEntries) {
      more = true;
      break;
    }
    const candidate = await candidateFor(folder, entry, roots);
    if (candidate === 'unreadable') unreadable += 1;
    else if (candidate !== 'hidden') candidates.push(candidate);
  }
  return { candidates, unreadable, more };
}

async function withSize(candidate: Candidate): Promise<PathEntry | null> {
  if (candidate.kind === 'folder') return { ...candidate, sizeBytes: null };
  try {
    return { ...candidate, sizeBytes: (await stat(candidate.path)).size };
  } catch {
    return null;
  }
}

/**
 * Lists one folder under `roots` for the lab-mode path browser. Symlinks are resolved before the check, so
 * neither `..` nor a link can reach outside the roots; names that are not UTF-8 are counted, not shown.
 */
export async function browsePath(
  request: { readonly path?: string | undefined; readonly kind: 'file' | 'folder' },
  roots: readonly string[],
): Promise<PathListing> {
  const realRoots = await resolvedRoots(roots);
  const folder = await folderToList(request.path, realRoots);
  const read = await readCandidates(folder, realRoots);
  const wanted = read.candidates
    .filter((candidate) => request.kind === 'file' || candidate.kind === 'folder')
    .sort((a, b) => (a.kind === b.kind ? byName.compare(a.name, b.name) : a.kind === 'folder' ? -1 : 1));
  const sized = await Promise.all(wanted.slice(0, maximumListedEntries).map(withSize));
  const entries = sized.filter((entry): entry is PathEntry => entry !== null);
  const above = dirname(folder);
  return {
    path: folder,
    parent: above !== folder && realRoots.some((root) => isInside(above, root)) ? above : null,
    roots: realRoots,
    entries,
    truncated: read.more || wanted.length > maximumListedEntries,
    unreadable: read.unreadable + (sized.length - entries.length),
  };
}
