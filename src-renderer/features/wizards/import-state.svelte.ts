import type { CallInput, ImportOutcome, WorkbenchApi } from '../../../src-shared/contracts/api.js';
import type { ImportProgressReport } from '../../../src-shared/contracts/worker-protocol.js';
import { strings } from '../../lib/strings.js';

export const importFormats = ['auto', 'cifar10', 'cifar100', 'svhn', 'cinic10', 'folder', 'idx'] as const;
export type ImportFormat = (typeof importFormats)[number];
export type ChannelChoice = 'keep' | 'colour' | 'grey';

/** What the form holds, as typed. */
export interface ImportForm {
  source: string;
  format: ImportFormat;
  name: string;
  size: string;
  channels: ChannelChoice;
  validationPercent: string;
}

/** The problems of each field, or null where it is fine. */
export interface ImportFormProblems {
  readonly source: string | null;
  readonly size: string | null;
  readonly validationPercent: string | null;
}

const text = strings.importWizard;

/** Whether a path is absolute on POSIX or Windows; the worker resolves nothing relative to its own folder. */
function isAbsolutePath(path: string): boolean {
  return path.startsWith('/') || /^[A-Za-z]:[\\/]/.test(path) || path.startsWith('\\\\');
}

/** Checks the form and, when every field is fine, builds the import's arguments. */
export function validateImportForm(form: ImportForm): {
  problems: ImportFormProblems;
  request: CallInput<'importDataset'> | null;
} {
  const source = form.source.trim();
  const sourceProblem =
    source.length === 0 ? text.sourceRequired : isAbsolutePath(source) ? null : text.sourceRelative;
  const sizeText = form.size.trim();
  const size = sizeText.length === 0 ? undefined : Number(sizeText);
  const sizeProblem =
    size === undefined || (Number.isInteger(size) && size >= 8 && size <= 1024) ? null : text.sizeInvalid;
  const validationText = form.validationPercent.trim();
  const validation = validationText.length === 0 ? 0 : Number(validationText);
  const validationProblem =
    Number.isFinite(validation) && validation >= 0 && validation <= 90 ? null : text.validationInvalid;
  const problems = { source: sourceProblem, size: sizeProblem, validationPercent: validationProblem };
  if (sourceProblem !== null || sizeProblem !== null || validationProblem !== null) {
    return { problems, request: null };
  }
  const name = form.name.trim();
  return {
    problems,
    request: {
      source,
      format: form.format,
      ...(name.length > 0 ? { name } : {}),
      ...(size !== undefined ? { size } : {}),
      ...(form.channels === 'keep' ? {} : { channels: form.channels === 'colour' ? 3 : 1 }),
      ...(validation > 0 ? { validationFraction: validation / 100 } : {}),
    },
  };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The import wizard: the form, the import in flight with its progress, and its outcome. */
export class ImportWizardState {
  form = $state<ImportForm>(emptyImportForm());
  /** Problems are shown once the user has tried to import, then follow every keystroke. */
  attempted = $state(false);
  phase = $state<'editing' | 'importing' | 'done' | 'failed' | 'cancelled'>('editing');
  progress = $state.raw<ImportProgressReport | null>(null);
  outcome = $state.raw<ImportOutcome | null>(null);
  error = $state<string | null>(null);
  cancelError = $state<string | null>(null);
  private cancelRequested = false;

  constructor(private readonly api: WorkbenchApi) {}

  get problems(): ImportFormProblems {
    return validateImportForm(this.form).problems;
  }

  /** Whether the user typed anything a reload would lose. */
  get dirty(): boolean {
    return this.phase === 'importing' || (this.phase === 'editing' && this.form.source.trim().length > 0);
  }

  /** Listens for import progress; returns the function that stops listening. */
  listen(): () => void {
    return this.api.onImportProgress((progress) => {
      if (this.phase === 'importing') this.progress = progress;
    });
  }

  /** Validates the form and runs the import. */
  async start(): Promise<void> {
    this.attempted = true;
    const { request } = validateImportForm(this.form);
    if (request === null || this.phase === 'importing') return;
    this.phase = 'importing';
    this.progress = null;
    this.error = null;
    this.cancelError = null;
    this.outcome = null;
    this.cancelRequested = false;
    try {
      this.outcome = await this.api.importDataset(request);
      this.phase = 'done';
    } catch (error) {
      if (this.cancelRequested) {
        this.phase = 'cancelled';
      } else {
        this.error = messageOf(error);
        this.phase = 'failed';
      }
    }
  }

  /** Asks the workbench to stop the import in flight. */
  async cancel(): Promise<void> {
    if (this.phase !== 'importing') return;
    this.cancelRequested = true;
    try {
      await this.api.cancelImport();
    } catch (error) {
      this.cancelRequested = false;
      this.cancelError = messageOf(error);
    }
  }

  /** Back to the form, keeping what was entered. */
  edit(): void {
    this.phase = 'editing';
  }

  /** After an import: an empty form for the next dataset. */
  startAnother(): void {
    this.form = emptyImportForm();
    this.attempted = false;
    this.progress = null;
    this.outcome = null;
    this.error = null;
    this.cancelError = null;
    this.phase = 'editing';
  }
}

function emptyImportForm(): ImportForm {
  return { source: '', format: 'auto', name: '', size: '', channels: 'keep', validationPercent: '0' };
}
