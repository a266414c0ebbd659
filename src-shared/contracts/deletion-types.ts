import { z } from 'zod';

/** The things a user can delete: each with its rows in the store and its folder. */
export const deletableKinds = ['dataset', 'experiment', 'run', 'export', 'teacher'] as const;
export type DeletableKind = (typeof deletableKinds)[number];

/** The things that have a name a user can change (a run is named by its method, network and seed). */
export const renamableKinds = ['dataset', 'experiment', 'export', 'teacher'] as const;
export type RenamableKind = (typeof renamableKinds)[number];

/** A new name: trimmed, 1 to 200 characters, as every name the workbench keeps. */
export const newNameSchema = z
  .string()
  .trim()
  .min(1, 'a name cannot be empty or blank')
  .max(200, 'a name has at most 200 characters');

/** The arguments of a rename. */
export const renameArgumentsSchema = z.object({ id: z.string().min(1), name: newNameSchema }).strict();

/** How far a deletion may reach beyond the thing itself. */
export const deletionOptionsShape = {
  /**
   * Also delete what depends on it: the experiments and teachers of a dataset, the experiments that learn
   * from a teacher, the student runs a teacher run teaches. Without it such a deletion is refused.
   */
  withDependents: z.boolean().default(false),
  /**
   * Also remove export folders outside the workbench home (only folders the workbench wrote). Exports in the
   * home's own exports folder always go with their records; an export deleted by itself always takes its
   * folder when the workbench wrote it.
   */
  exportFolders: z.boolean().default(false),
};

/** The arguments of a deletion. */
export const deletionArgumentsSchema = z.object({ id: z.string().min(1), ...deletionOptionsShape }).strict();

/** The arguments of a deletion preview: what would go, for which kind of thing. */
export const deletionPreviewArgumentsSchema = z
  .object({ kind: z.enum(deletableKinds), id: z.string().min(1), ...deletionOptionsShape })
  .strict();

/** The kinds of store row a deletion removes: the deletable things, and the models runs trained. */
export const deletionEntryKinds = [...deletableKinds, 'model'] as const;

/** One thing a deletion removes, as a person recognises it. */
export const deletionEntrySchema = z.object({
  kind: z.enum(deletionEntryKinds),
  id: z.string(),
  name: z.string(),
});
export type DeletionEntry = z.infer<typeof deletionEntrySchema>;

/** A folder a deletion concerns: removed with its rows, or kept (with the reason). */
export interface DeletionFolder {
  readonly path: string;
  /** Bytes of the files in it (links are not followed); 0 for a link. */
  readonly bytes: number;
  /** The thing the folder belongs to. */
  readonly owner: DeletionEntry;
  readonly action: 'remove' | 'keep';
  /** Why it is kept, or a note on how it is removed (a link: only the link goes); null otherwise. */
  readonly reason: string | null;
}

/** Exactly what a deletion would do, as both the UI confirmation and the CLI prompt show it. */
export interface DeletionPlan {
  readonly target: DeletionEntry;
  /** Every store row that goes, the target first, then what it owns and what depends on it. */
  readonly entries: readonly DeletionEntry[];
  /** What goes only with `withDependents`: the experiments, teachers and runs that use the target. */
  readonly dependents: readonly DeletionEntry[];
  /** Why it cannot go now whatever the options (a run that is training, an export being written). */
  readonly blockers: readonly string[];
  readonly folders: readonly DeletionFolder[];
  /** Export folders of ours outside the home that `exportFolders` would also remove. */
  readonly exportFoldersOutsideHome: number;
  readonly withDependents: boolean;
  readonly exportFolders: boolean;
  /** Whether the deletion would go ahead with these options. */
  readonly allowed: boolean;
}

/** What a deletion did: the rows removed, the folders removed and the folders kept. */
export interface DeletionOutcome {
  readonly deleted: readonly DeletionEntry[];
  readonly removedFolders: readonly { readonly path: string; readonly bytes: number }[];
  /** Folders left in place: not ours, outside the home, or not removable now (retried at the next start). */
  readonly keptFolders: readonly { readonly path: string; readonly reason: string }[];
}

/** What changed in the workbench, so open lists can refresh. */
export const workbenchChangeSchema = z.object({
  change: z.enum(['deleted', 'renamed']),
  entries: z.array(deletionEntrySchema),
});
export type WorkbenchChange = z.infer<typeof workbenchChangeSchema>;
