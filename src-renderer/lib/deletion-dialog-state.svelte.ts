import type { CallInput, WorkbenchApi } from '../../src-shared/contracts/api.js';
import type {
  DeletableKind,
  DeletionOutcome,
  DeletionPlan,
  RenamableKind,
} from '../../src-shared/contracts/deletion-types.js';
import { newNameProblem } from './deletion-summary.js';

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** A thing a person can delete or rename, as the lists show it. */
export interface HousekeepingTarget {
  readonly kind: DeletableKind;
  readonly id: string;
  readonly name: string;
}

/**
 * The delete confirmation: the plan the workbench returns for the chosen options (what goes, which folders,
 * what depends on it, what blocks it), reloaded when an option changes, then the deletion itself.
 */
export class DeletionDialogState {
  plan = $state.raw<DeletionPlan | null>(null);
  loading = $state(true);
  error = $state<string | null>(null);
  deleting = $state(false);
  withDependents = $state(false);
  exportFolders = $state(false);
  outcome = $state.raw<DeletionOutcome | null>(null);
  #request = 0;

  constructor(
    private readonly api: WorkbenchApi,
    readonly target: HousekeepingTarget,
  ) {}

  /** Whether the destructive button may be pressed now. */
  get canDelete(): boolean {
    return !this.loading && !this.deleting && this.plan?.allowed === true;
  }

  /** Asks the workbench what the deletion would do with the current options. */
  async load(): Promise<void> {
    const request = ++this.#request;
    this.loading = true;
    try {
      const plan = await this.api.describeDeletion({
        kind: this.target.kind,
        id: this.target.id,
        withDependents: this.withDependents,
        exportFolders: this.exportFolders,
      });
      if (request !== this.#request) return;
      this.plan = plan;
      this.error = null;
    } catch (error) {
      if (request === this.#request) this.error = messageOf(error);
    } finally {
      if (request === this.#request) this.loading = false;
    }
  }

  /** Changes an option and shows the plan that goes with it. */
  async choose(option: 'withDependents' | 'exportFolders', value: boolean): Promise<void> {
    this[option] = value;
    await this.load();
  }

  /** Deletes; resolves to what went, or null when it failed (the error is shown). */
  async confirm(): Promise<DeletionOutcome | null> {
    if (!this.canDelete) return null;
    this.deleting = true;
    this.error = null;
    const request: CallInput<'deleteDataset'> = {
      id: this.target.id,
      withDependents: this.withDependents,
      exportFolders: this.exportFolders,
    };
    try {
      const calls = {
        dataset: this.api.deleteDataset,
        experiment: this.api.deleteExperiment,
        run: this.api.deleteRun,
        export: this.api.deleteExport,
        teacher: this.api.deleteTeacher,
      } satisfies Record<DeletableKind, (request: CallInput<'deleteDataset'>) => Promise<DeletionOutcome>>;
      this.outcome = await calls[this.target.kind](request);
      return this.outcome;
    } catch (error) {
      this.error = messageOf(error);
      await this.load();
      return null;
    } finally {
      this.deleting = false;
    }
  }
}

/** The rename dialog: the name as typed, its problem, and the call. */
export class RenameDialogState {
  name = $state('');
  problem = $state<string | null>(null);
  saving = $state(false);

  constructor(
    private readonly api: WorkbenchApi,
    readonly target: HousekeepingTarget & { readonly kind: RenamableKind },
  ) {
    this.name = target.name;
  }

  /** Renames; resolves to the new name, or null when the name is refused (the problem is shown). */
  async confirm(): Promise<string | null> {
    this.problem = newNameProblem(this.name);
    if (this.problem !== null || this.saving) return null;
    this.saving = true;
    const request = { id: this.target.id, name: this.name };
    try {
      const renamed =
        this.target.kind === 'dataset'
          ? await this.api.renameDataset(request)
          : this.target.kind === 'experiment'
            ? await this.api.renameExperiment(request)
            : this.target.kind === 'export'
              ? await this.api.renameExport(request)
              : await this.api.renameTeacher(request);
      return renamed.name;
    } catch (error) {
      this.problem = messageOf(error);
      return null;
    } finally {
      this.saving = false;
    }
  }
}
