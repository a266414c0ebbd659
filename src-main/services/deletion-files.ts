import { existsSync, lstatSync, readdirSync, readFileSync, renameSync } from 'node:fs';
import type { Stats } from 'node:fs';
import { rm } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { deletionStagingPrefix, homeLayout } from '../store/home-layout.js';

const modelCardJson = 'model-card.json';
const modelCardMarkdown = 'MODEL_CARD.md';

function lstatOrNull(path: string): Stats | null {
  try {
    return lstatSync(path);
  } catch {
    return null;
  }
}

/** Whether something (a file, a folder or a link, even a broken one) is at `path`. */
export function pathExists(path: string): boolean {
  return lstatOrNull(path) !== null;
}

/** Whether `path` itself is a symbolic link. */
export function isLink(path: string): boolean {
  return lstatOrNull(path)?.isSymbolicLink() ?? false;
}

/** Whether `path` is, by name, directly inside `folder` (links are not resolved). */
export function isDirectChildOf(path: string, folder: string): boolean {
  const absolute = resolve(path);
  return dirname(absolute) === resolve(folder) && !basename(absolute).startsWith(deletionStagingPrefix);
}

/** Bytes of the files under `path`; links are counted as nothing and never followed. */
export function folderBytes(path: string): number {
  const stats = lstatOrNull(path);
  if (stats === null || stats.isSymbolicLink()) return 0;
  if (!stats.isDirectory()) return stats.size;
  let total = 0;
  let entries: string[];
  try {
    entries = readdirSync(path);
  } catch {
    return 0;
  }
  for (const entry of entries) total += folderBytes(join(path, entry));
  return total;
}

/** Whether a folder holds an export the workbench wrote and nothing else; if not, why it must stay. */
export type ExportFolderVerdict = { readonly ours: true } | { readonly ours: false; readonly reason: string };

function filesUnder(root: string, folder: string, found: string[]): string | null {
  for (const entry of readdirSync(folder, { withFileTypes: true })) {
    const full = join(folder, entry.name);
    const shown = relative(root, full).split(sep).join('/');
    if (entry.isSymbolicLink()) return `it holds a link (${shown})`;
    if (entry.isDirectory()) {
      const problem = filesUnder(root, full, found);
      if (problem !== null) return problem;
    } else if (entry.isFile()) found.push(shown);
    else return `it holds ${shown}, which is not a plain file`;
  }
  return null;
}

/**
 * Checks that `directory` is an export the workbench wrote: a real folder (not a link) whose model-card.json
 * is ours, holding only the files that card lists, the card itself and MODEL_CARD.md. Anything else in it
 * (a file the user added, a link) means it is not only ours, so it is never removed.
 */
export function inspectExportFolder(directory: string): ExportFolderVerdict {
  const stats = lstatOrNull(directory);
  if (stats === null) return { ours: false, reason: 'it does not exist' };
  if (stats.isSymbolicLink()) return { ours: false, reason: 'it is a link, not the folder the export wrote' };
  if (!stats.isDirectory()) return { ours: false, reason: 'it is not a folder' };
  let card: unknown;
  try {
    card = JSON.parse(readFileSync(join(directory, modelCardJson), 'utf8'));
  } catch {
    return { ours: false, reason: `it has no readable ${modelCardJson} of RTK Workbench` };
  }
  const fields = typeof card === 'object' && card !== null ? (card as Record<string, unknown>) : {};
  const listed = Array.isArray(fields['files']) ? (fields['files'] as unknown[]) : null;
  if (
    typeof fields['workbenchVersion'] !== 'string' ||
    (fields['format'] !== 'tfjs' && fields['format'] !== 'onnx') ||
    listed === null
  ) {
    return { ours: false, reason: `its ${modelCardJson} was not written by RTK Workbench` };
  }
  const allowed = new Set([modelCardJson, modelCardMarkdown]);
  for (const file of listed) {
    const path = typeof file === 'object' && file !== null ? (file as { path?: unknown }).path : undefined;
    if (typeof path === 'string') allowed.add(path.split(/[\\/]/).join('/'));
  }
  const found: string[] = [];
  let problem: string | null;
  try {
    problem = filesUnder(directory, directory, found);
  } catch (error) {
    return { ours: false, reason: `it cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})` };
  }
  if (problem !== null) return { ours: false, reason: problem };
  const foreign = found.filter((file) => !allowed.has(file));
  if (foreign.length > 0) {
    const shown = foreign.slice(0, 3).join(', ');
    return {
      ours: false,
      reason: `it holds files the export did not write (${shown}${foreign.length > 3 ? ', …' : ''})`,
    };
  }
  return { ours: true };
}

/** A free name beside `path` to rename it to before removing it: `.deleting-<id>`. */
export function stagingPathFor(path: string, subjectId: string): string {
  const folder = dirname(resolve(path));
  const preferred = join(folder, `${deletionStagingPrefix}${subjectId}`);
  if (!pathExists(preferred)) return preferred;
  for (let number = 2; ; number += 1) {
    const candidate = `${preferred}-${number}`;
    if (!pathExists(candidate)) return candidate;
  }
}

/**
 * Moves a folder aside to its staging name: afterwards nothing under its real name looks like a complete
 * dataset, run, teacher or export. Returns false when the folder was already gone. A link is renamed
 * itself, never what it points to.
 */
export function moveAside(path: string, stagingPath: string): boolean {
  if (!pathExists(path)) return false;
  renameSync(path, stagingPath);
  return true;
}

/** Removes a staged folder; links inside it (and a staged link itself) are removed, never followed. */
export async function removeStaged(stagingPath: string): Promise<void> {
  await rm(stagingPath, { recursive: true, force: true });
}

/** The leftovers `.deleting-…` under the home's datasets, runs, teachers and exports folders. */
export function stagedLeftovers(homeDirectory: string): string[] {
  const leftovers: string[] = [];
  for (const folder of homeLayout(homeDirectory).kindFolders) {
    if (!existsSync(folder)) continue;
    for (const name of readdirSync(folder)) {
      if (name.startsWith(deletionStagingPrefix)) leftovers.push(join(folder, name));
    }
  }
  return leftovers;
}
