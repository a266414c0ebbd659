import { resolve } from 'node:path';
import type {
  DeletableKind,
  DeletionEntry,
  DeletionFolder,
  DeletionOutcome,
  DeletionPlan,
} from '../../src-shared/contracts/deletion-types.js';
import type { RunSummary } from '../../src-shared/contracts/run-types.js';
import { methodLabels, teacherLabel } from '../../src-shared/domain/vocabulary.js';
import { homeFolderNames, homeLayout } from '../store/home-layout.js';
import type { FolderKind, PendingDeletion } from '../store/repositories/deletions-repository.js';
import type { WorkbenchStore } from '../store/workbench-store.js';
import {
  folderBytes,
  inspectExportFolder,
  isDirectChildOf,
  isLink,
  moveAside,
  pathExists,
  removeStaged,
  stagedLeftovers,
  stagingPathFor,
} from './deletion-files.js';
import { describeOwner, isOwnerAlive } from './home-ownership.js';

/** How far a deletion may reach, as the contract's deletion arguments carry it. */
export interface DeletionOptions {
  readonly withDependents: boolean;
  readonly exportFolders: boolean;
}

/** What the deletion use cases need from the process that hosts them. */
export interface DeletionContext {
  readonly store: WorkbenchStore;
  readonly homeDirectory: string;
  /** The run this process is training now, if any. */
  readonly activeRunId: () => string | null;
  /** Why this process cannot let a thing go now (an export being written from a run), or null. */
  readonly busyReason?: (kind: DeletableKind, id: string) => string | null;
}

/** Raised when a deletion may not go ahead; nothing was deleted. The plan says what stands in the way. */
export class DeletionRefusedError extends Error {
  constructor(readonly plan: DeletionPlan) {
    super(describeRefusal(plan));
    this.name = 'DeletionRefusedError';
  }
}

/** A deletion whose rows are gone and whose folders are journaled, not yet moved aside. */
export interface CommittedDeletion {
  readonly plan: DeletionPlan;
  readonly pending: readonly PendingDeletion[];
}

/** A committed deletion whose folders are moved aside (or were not there, or could not be moved). */
export interface StagedDeletion {
  readonly plan: DeletionPlan;
  readonly staged: readonly PendingDeletion[];
  readonly keptFolders: readonly { readonly path: string; readonly reason: string }[];
}

function entryKey(entry: Pick<DeletionEntry, 'kind' | 'id'>): string {
  return `${entry.kind}:${entry.id}`;
}

/** A run as a person tells it apart from its siblings: who it is, its network and its seed. */
export function runEntryName(run: Pick<RunSummary, 'role' | 'method' | 'backbone' | 'seed'>): string {
  const who = run.role === 'teacher' ? teacherLabel : methodLabels[run.method];
  return `${who} ${run.backbone} seed ${run.seed}`;
}

const kindWords: Readonly<Record<DeletionEntry['kind'], string>> = {
  dataset: 'dataset',
  experiment: 'experiment',
  run: 'run',
  export: 'export',
  teacher: 'teacher',
  model: 'model',
};

/** `dataset "CIFAR-10"`: a thing as messages name it. */
export function describeEntry(entry: DeletionEntry): string {
  return `${kindWords[entry.kind]} "${entry.name}"`;
}

function describeRefusal(plan: DeletionPlan): string {
  const what = describeEntry(plan.target);
  if (plan.blockers.length > 0) {
    return `Cannot delete ${what} now: ${plan.blockers.join(' ')} Nothing was deleted.`;
  }
  const listed = plan.dependents.map(describeEntry).join(', ');
  return (
    `Cannot delete ${what} alone: ${listed} ${plan.dependents.length === 1 ? 'depends' : 'depend'} on it. ` +
    'Delete them with it (with dependents) or delete them first. Nothing was deleted.'
  );
}

/** The rows a deletion reaches, gathered from the target outwards. */
class DeletionScope {
  readonly entries = new Map<string, DeletionEntry>();
  readonly dependents: DeletionEntry[] = [];
  readonly runs = new Map<string, RunSummary>();
  readonly datasetFolders = new Map<string, string>();
  readonly teacherFolders = new Map<string, string>();
  readonly exportFolders = new Map<string, string>();
  readonly importedModelPaths = new Set<string>();

  constructor(private readonly store: WorkbenchStore) {}

  private add(entry: DeletionEntry, asDependent: boolean): boolean {
    const key = entryKey(entry);
    if (this.entries.has(key)) return false;
    this.entries.set(key, entry);
    if (asDependent) this.dependents.push(entry);
    return true;
  }

  has(kind: DeletionEntry['kind'], id: string): boolean {
    return this.entries.has(entryKey({ kind, id }));
  }

  ids(kind: DeletionEntry['kind']): string[] {
    return [...this.entries.values()].filter((entry) => entry.kind === kind).map((entry) => entry.id);
  }

  addDataset(id: string, name: string, asDependent: boolean): void {
    if (!this.add({ kind: 'dataset', id, name }, asDependent)) return;
    const record = this.store.datasets.get(id);
    if (record !== undefined) this.datasetFolders.set(id, record.cachePath);
    for (const experiment of this.store.deletions.experimentsOfDataset(id)) {
      this.addExperiment(experiment.id, experiment.name, true);
    }
    for (const teacher of this.store.deletions.teachersOfDataset(id)) {
      this.addTeacher(teacher.id, teacher.name, true);
    }
  }

  addTeacher(id: string, name: string, asDependent: boolean): void {
    if (!this.add({ kind: 'teacher', id, name }, asDependent)) return;
    const stored = this.store.teachers.get(id);
    if (stored !== undefined) this.teacherFolders.set(id, stored.directory);
    for (const experiment of this.store.deletions.experimentsLearningFromTeacher(id)) {
      this.addExperiment(experiment.id, experiment.name, true);
    }
  }

  addExperiment(id: string, name: string, asDependent: boolean): void {
    if (!this.add({ kind: 'experiment', id, name }, asDependent)) return;
    const experiment = this.store.experiments.get(id);
    if (experiment !== undefined) {
      const spec = experiment.spec;
      if (spec.teacher.source === 'import') this.importedModelPaths.add(spec.teacher.modelJsonPath);
    }
    for (const runId of this.store.deletions.runIdsOfExperiment(id)) this.addRun(runId, false);
  }

  addRun(id: string, asDependent: boolean): void {
    const run = this.store.runs.get(id);
    if (run === undefined || !this.add({ kind: 'run', id, name: runEntryName(run) }, asDependent)) return;
    this.runs.set(id, run);
    for (const exported of this.store.deletions.exportsOfRun(id)) {
      this.add({ kind: 'export', id: exported.id, name: exported.name }, false);
      this.exportFolders.set(exported.id, exported.path);
    }
    for (const model of this.store.deletions.modelsOfRun(id)) {
      this.add({ kind: 'model', id: model.id, name: model.name }, false);
    }
    for (const student of this.store.deletions.runsTaughtBy(id)) {
      if (this.has('experiment', student.experimentId)) this.addRun(student.id, false);
      else if (student.experimentId === run.experimentId) this.addRun(student.id, true);
      else this.addDependentExperiment(student.experimentId);
    }
    for (const experiment of this.store.deletions.experimentsLearningFromRun(id)) {
      this.addExperiment(experiment.id, experiment.name, true);
    }
  }

  private addDependentExperiment(id: string): void {
    const experiment = this.store.experiments.get(id);
    if (experiment !== undefined) this.addExperiment(id, experiment.name, true);
  }

  /** The imported-model rows only the deleted experiments used. */
  addUnusedImportedModels(): void {
    for (const path of this.importedModelPaths) {
      const users = this.store.deletions.experimentsImportingModel(path);
      if (!users.every((experiment) => this.has('experiment', experiment.id))) continue;
      for (const model of this.store.deletions.importedModelsAt(path)) {
        this.add({ kind: 'model', id: model.id, name: model.name }, false);
      }
    }
  }
}

/** One folder a deletion concerns, before it is inspected. */
interface FolderCandidate {
  readonly kind: FolderKind;
  readonly owner: DeletionEntry;
  readonly path: string;
}

/**
 * Deletes datasets, experiments, runs, exports and imported teachers with everything that belongs to them:
 * the store rows in one transaction, then their folders, each moved aside to a `.deleting-<id>` name before it
 * is removed. What a crash leaves is journaled in the store and finished by `sweep` at the next start. Folders
 * are never followed through links, those outside the home's own folders are never removed, and an export
 * folder goes only when the workbench wrote it and it holds nothing else.
 */
export class DeletionService {
  constructor(private readonly context: DeletionContext) {}

  /** Exactly what deleting the thing would do with these options; throws for an unknown id. */
  describe(kind: DeletableKind, id: string, options: DeletionOptions): DeletionPlan {
    const store = this.context.store;
    const scope = new DeletionScope(store);
    const target = this.addTarget(scope, kind, id);
    scope.addUnusedImportedModels();
    const runs = [...scope.runs.values()];
    const blockers = runs.flatMap((run) => this.runBlocker(run));
    const busy = this.context.busyReason;
    if (busy !== undefined) {
      for (const entry of scope.entries.values()) {
        if (entry.kind === 'model') continue;
        const reason = busy(entry.kind, entry.id);
        if (reason !== null) blockers.push(reason);
      }
    }
    const { folders, exportFoldersOutsideHome } = this.inspectFolders(scope, target, options);
    const entries = [...scope.entries.values()];
    return {
      target,
      entries,
      dependents: scope.dependents,
      blockers,
      folders,
      exportFoldersOutsideHome,
      withDependents: options.withDependents,
      exportFolders: options.exportFolders,
      allowed: blockers.length === 0 && (scope.dependents.length === 0 || options.withDependents),
    };
  }

  /** Deletes the thing: rows, then folders; returns what went and what was kept. */
  async delete(kind: DeletableKind, id: string, options: DeletionOptions): Promise<DeletionOutcome> {
    const staged = this.stage(this.commit(kind, id, options));
    return this.finish(staged);
  }

  /**
   * Step one: in one immediate transaction, decides what goes (refusing with DeletionRefusedError as the
   * plan says), removes the rows and journals the folders to remove.
   */
  commit(kind: DeletableKind, id: string, options: DeletionOptions): CommittedDeletion {
    const store = this.context.store;
    return store.deletions.transaction(() => {
      const plan = this.describe(kind, id, options);
      if (!plan.allowed) throw new DeletionRefusedError(plan);
      const requestedAt = new Date().toISOString();
      const pending: PendingDeletion[] = [];
      for (const folder of plan.folders) {
        const folderKind = folderKindOf(folder.owner.kind);
        if (folder.action !== 'remove' || folderKind === null) continue;
        pending.push({
          stagingPath: stagingPathFor(folder.path, folder.owner.id),
          path: resolve(folder.path),
          kind: folderKind,
          subjectId: folder.owner.id,
          requestedAt,
        });
      }
      const ids = (entryKind: DeletionEntry['kind']) =>
        plan.entries.filter((entry) => entry.kind === entryKind).map((entry) => entry.id);
      store.deletions.remove(
        {
          datasetIds: ids('dataset'),
          teacherIds: ids('teacher'),
          experimentIds: ids('experiment'),
          runIds: ids('run'),
          exportIds: ids('export'),
          modelIds: ids('model'),
        },
        pending,
      );
      store.eventLog.append('deleted', plan.target.id, summarise(plan));
      return { plan, pending };
    });
  }

  /** Step two: moves each journaled folder aside to its staging name. */
  stage(committed: CommittedDeletion): StagedDeletion {
    const staged: PendingDeletion[] = [];
    const keptFolders: { path: string; reason: string }[] = [];
    for (const folder of committed.pending) {
      try {
        if (moveAside(folder.path, folder.stagingPath)) staged.push(folder);
        else this.context.store.deletions.forgetPending(folder.stagingPath);
      } catch (error) {
        // Not moved means not touched: the folder stays whole under its own name, so nothing is left to finish.
        this.context.store.deletions.forgetPending(folder.stagingPath);
        keptFolders.push({ path: folder.path, reason: `it could not be moved aside (${errorCode(error)})` });
      }
    }
    return { plan: committed.plan, staged, keptFolders };
  }

  /** Step three: removes the staged folders and says what went and what stayed. */
  async finish(staged: StagedDeletion): Promise<DeletionOutcome> {
    const removedFolders: { path: string; bytes: number }[] = [];
    const keptFolders = [
      ...staged.plan.folders
        .filter((folder) => folder.action === 'keep')
        .map((folder) => ({ path: folder.path, reason: folder.reason ?? 'kept' })),
      ...staged.keptFolders,
    ];
    const bytesOf = new Map(staged.plan.folders.map((folder) => [resolve(folder.path), folder.bytes]));
    for (const folder of staged.staged) {
      try {
        await removeStaged(folder.stagingPath);
        this.context.store.deletions.forgetPending(folder.stagingPath);
        removedFolders.push({ path: folder.path, bytes: bytesOf.get(folder.path) ?? 0 });
      } catch (error) {
        keptFolders.push({
          path: folder.stagingPath,
          reason: `it could not be removed now (${errorCode(error)}); the workbench removes it when it next starts`,
        });
      }
    }
    return { deleted: staged.plan.entries, removedFolders, keptFolders };
  }

  /**
   * Finishes what crashed deletions left: journaled folders (moved aside or not yet) and `.deleting-…`
   * leftovers in the home's folders. A journaled folder that something in the store owns again is kept.
   * Returns the paths removed.
   */
  async sweep(): Promise<string[]> {
    const store = this.context.store;
    const removed: string[] = [];
    for (const folder of store.deletions.pending()) {
      if (!pathExists(folder.stagingPath)) {
        const stillOurs =
          !store.deletions.stillOwned(folder) &&
          (folder.kind !== 'export' || inspectExportFolder(folder.path).ours);
        if (!stillOurs || !safeMoveAside(folder)) {
          store.deletions.forgetPending(folder.stagingPath);
          continue;
        }
      }
      await removeStaged(folder.stagingPath);
      store.deletions.forgetPending(folder.stagingPath);
      removed.push(folder.path);
    }
    for (const leftover of stagedLeftovers(this.context.homeDirectory)) {
      await removeStaged(leftover);
      removed.push(leftover);
    }
    return removed;
  }

  private addTarget(scope: DeletionScope, kind: DeletableKind, id: string): DeletionEntry {
    const store = this.context.store;
    const missing = (): Error => new Error(`There is no ${kindWords[kind]} ${id} in this workbench.`);
    switch (kind) {
      case 'dataset': {
        const dataset = store.datasets.get(id);
        if (dataset === undefined) throw missing();
        scope.addDataset(id, dataset.name, false);
        break;
      }
      case 'experiment': {
        const experiment = store.experiments.get(id);
        if (experiment === undefined) throw missing();
        scope.addExperiment(id, experiment.name, false);
        break;
      }
      case 'run': {
        if (store.runs.get(id) === undefined) throw missing();
        scope.addRun(id, false);
        break;
      }
      case 'export': {
        const exported = store.exports.get(id);
        if (exported === undefined) throw missing();
        scope.entries.set(entryKey({ kind, id }), { kind, id, name: exported.name });
        scope.exportFolders.set(id, exported.directory);
        break;
      }
      case 'teacher': {
        const teacher = store.teachers.get(id);
        if (teacher === undefined) throw missing();
        scope.addTeacher(id, teacher.record.name, false);
        break;
      }
    }
    const target = scope.entries.get(entryKey({ kind, id }));
    if (target === undefined) throw missing();
    return target;
  }

  private runBlocker(run: RunSummary): string[] {
    if (run.status !== 'running') return [];
    const label = `Run ${runEntryName(run)} (${run.id})`;
    if (this.context.activeRunId() === run.id) {
      return [`${label} is training; pause or cancel it first.`];
    }
    const owner = this.context.store.owner.current();
    if (owner !== undefined && isOwnerAlive(owner)) {
      return [`${label} is training in ${describeOwner(owner)}; pause or cancel it there first.`];
    }
    // Left "running" by a process that is gone: nothing trains it, so it may go.
    return [];
  }

  private inspectFolders(
    scope: DeletionScope,
    target: DeletionEntry,
    options: DeletionOptions,
  ): { folders: DeletionFolder[]; exportFoldersOutsideHome: number } {
    const layout = homeLayout(this.context.homeDirectory);
    const candidates: FolderCandidate[] = [];
    const ownerOf = (kind: DeletionEntry['kind'], id: string): DeletionEntry =>
      scope.entries.get(entryKey({ kind, id })) ?? { kind, id, name: id };
    for (const [id, path] of scope.datasetFolders)
      candidates.push({ kind: 'dataset', owner: ownerOf('dataset', id), path });
    for (const [id, path] of scope.teacherFolders)
      candidates.push({ kind: 'teacher', owner: ownerOf('teacher', id), path });
    for (const id of scope.runs.keys())
      candidates.push({ kind: 'run', owner: ownerOf('run', id), path: layout.runFolder(id) });
    for (const [id, path] of scope.exportFolders)
      candidates.push({ kind: 'export', owner: ownerOf('export', id), path });

    let exportFoldersOutsideHome = 0;
    const folders: DeletionFolder[] = [];
    for (const candidate of candidates) {
      if (!pathExists(candidate.path)) continue;
      const folder = (action: 'remove' | 'keep', reason: string | null, bytes: number): DeletionFolder => ({
        path: candidate.path,
        bytes,
        owner: candidate.owner,
        action,
        reason,
      });
      const inHomeFolder = isDirectChildOf(candidate.path, layout.kindFolder(candidate.kind));
      if (candidate.kind !== 'export') {
        if (!inHomeFolder) {
          folders.push(
            folder('keep', `it is outside the workbench's ${homeFolderNames[candidate.kind]} folder`, 0),
          );
          continue;
        }
        const linked = isLink(candidate.path);
        folders.push(
          folder(
            'remove',
            linked ? 'it is a link: only the link is removed, never what it points to' : null,
            folderBytes(candidate.path),
          ),
        );
        continue;
      }
      const verdict = inspectExportFolder(candidate.path);
      if (!verdict.ours) {
        folders.push(folder('keep', `${verdict.reason}, so it is not the workbench's to remove`, 0));
        continue;
      }
      const bytes = folderBytes(candidate.path);
      const isTarget = target.kind === 'export' && target.id === candidate.owner.id;
      if (!inHomeFolder && !isTarget) {
        exportFoldersOutsideHome += 1;
        if (!options.exportFolders) {
          folders.push(
            folder(
              'keep',
              'it is outside the workbench home; it goes only when export folders are included',
              bytes,
            ),
          );
          continue;
        }
      }
      folders.push(folder('remove', null, bytes));
    }
    return { folders, exportFoldersOutsideHome };
  }
}

function folderKindOf(kind: DeletionEntry['kind']): FolderKind | null {
  return kind === 'dataset' || kind === 'run' || kind === 'export' || kind === 'teacher' ? kind : null;
}

function safeMoveAside(folder: PendingDeletion): boolean {
  try {
    return moveAside(folder.path, folder.stagingPath);
  } catch {
    return false;
  }
}

function errorCode(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  return code ?? (error instanceof Error ? error.message : String(error));
}

function summarise(plan: DeletionPlan): string {
  const counts = new Map<string, number>();
  for (const entry of plan.entries) counts.set(entry.kind, (counts.get(entry.kind) ?? 0) + 1);
  const parts = [...counts].map(([kind, count]) => `${count} ${kind}${count === 1 ? '' : 's'}`);
  return `${describeEntry(plan.target)}: ${parts.join(', ')}`;
}
