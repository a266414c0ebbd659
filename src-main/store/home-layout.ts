import { join } from 'node:path';
import type { FolderKind } from './repositories/deletions-repository.js';

/**
 * The names of what a workbench home holds, exactly as they are on disk. Homes written by earlier versions
 * are opened with the same names, so these never change.
 */
const databaseFileName = 'workbench.sqlite';
const runCheckpointFolderName = 'checkpoint';
const runModelFolderName = 'model';

/** The folders of a workbench home that hold one sub-folder per thing, by the kind of thing. */
export const homeFolderNames: Readonly<Record<FolderKind, string>> = {
  dataset: 'datasets',
  run: 'runs',
  teacher: 'teachers',
  export: 'exports',
};

/**
 * What a folder being deleted is renamed to first, beside itself (`.deleting-<id>`): no crash leaves a half
 * folder under its real name, and whoever opens the home next finds and removes these.
 */
export const deletionStagingPrefix = '.deleting-';

/** Where everything lives inside one workbench home. */
export interface HomeLayout {
  /** The home folder itself. */
  readonly home: string;
  /** The SQLite store. */
  readonly databaseFile: string;
  /** The home's folder for one kind of thing (`datasets`, `runs`, `teachers`, `exports`). */
  kindFolder(kind: FolderKind): string;
  /** All of those folders. */
  readonly kindFolders: readonly string[];
  /** An imported dataset's normalised copy. */
  datasetFolder(datasetId: string): string;
  /** An imported teacher, converted and annotated. */
  teacherFolder(teacherId: string): string;
  /** A run's checkpoint and trained model. */
  runFolder(runId: string): string;
  /** The checkpoint a run resumes from. */
  runCheckpointFolder(runId: string): string;
  /** The trained model of a finished run. */
  runModelFolder(runId: string): string;
  /** Where exports go when the user names no folder of their own. */
  readonly exportsFolder: string;
}

/** The layout of the workbench home at `homeDirectory`: the one place that names its files and folders. */
export function homeLayout(homeDirectory: string): HomeLayout {
  const kindFolder = (kind: FolderKind): string => join(homeDirectory, homeFolderNames[kind]);
  const runFolder = (runId: string): string => join(kindFolder('run'), runId);
  return {
    home: homeDirectory,
    databaseFile: join(homeDirectory, databaseFileName),
    kindFolder,
    kindFolders: Object.values(homeFolderNames).map((name) => join(homeDirectory, name)),
    datasetFolder: (datasetId) => join(kindFolder('dataset'), datasetId),
    teacherFolder: (teacherId) => join(kindFolder('teacher'), teacherId),
    runFolder,
    runCheckpointFolder: (runId) => join(runFolder(runId), runCheckpointFolderName),
    runModelFolder: (runId) => join(runFolder(runId), runModelFolderName),
    exportsFolder: kindFolder('export'),
  };
}
