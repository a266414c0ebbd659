import type { CallInput, ExportRecord, WorkbenchApi } from '../../../src-shared/contracts/api.js';
import type { AppMode, ExperimentSummary } from '../../../src-shared/contracts/domain-types.js';
import type { ModelCard } from '../../../src-shared/contracts/model-card.js';
import type { RunSummary } from '../../../src-shared/contracts/run-types.js';
import { exportFolderName } from '../../../src-shared/domain/export-naming.js';
import { strings } from '../../lib/strings.js';

export const exportPresets = [
  '',
  'browser',
  'node',
  'onnx-desktop',
  'onnx-mobile',
  'microcontroller',
] as const;
export type ExportPresetChoice = (typeof exportPresets)[number];
export const exportFormats = ['onnx', 'tfjs'] as const;
export const exportPrecisions = ['float32', 'float16', 'uint8'] as const;

/** Whether every parity check of a card agrees on the top class of every image. */
export function parityPassed(card: ModelCard): boolean {
  const checks = Object.values(card.parity);
  return checks.length > 0 && checks.every((figures) => figures.top1Agreement === 1);
}

/** The student run an export starts from: the best finished distilled one, else the best finished one. */
export function bestRun(runs: readonly RunSummary[]): RunSummary | undefined {
  const finished = runs.filter((run) => run.role === 'student' && run.status === 'done');
  const byAccuracy = (first: RunSummary, second: RunSummary): number =>
    (second.bestTestTop1 ?? -1) - (first.bestTestTop1 ?? -1);
  const distilled = finished.filter((run) => run.method !== 'none').sort(byAccuracy);
  return distilled[0] ?? finished.sort(byAccuracy)[0];
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The export wizard: which run, how, where; the exports it made. */
export class ExportWizardState {
  loading = $state(true);
  loadError = $state<string | null>(null);
  experiment = $state.raw<ExperimentSummary | null>(null);
  runs = $state.raw<readonly RunSummary[]>([]);
  homeDirectory = $state('');
  mode = $state<AppMode>('lab');
  openError = $state<string | null>(null);
  runId = $state('');
  preset = $state<ExportPresetChoice>('');
  format = $state<(typeof exportFormats)[number]>('onnx');
  precision = $state<(typeof exportPrecisions)[number]>('float32');
  folder = $state('');
  /** Whether the user typed a folder; otherwise it follows the run and format. */
  folderEdited = $state(false);
  folderProblem = $state<string | null>(null);
  exporting = $state(false);
  error = $state<string | null>(null);
  results = $state.raw<readonly ExportRecord[]>([]);

  constructor(
    private readonly api: WorkbenchApi,
    readonly experimentId: string,
    private readonly initialRunId: string | null,
  ) {}

  get exportableRuns(): RunSummary[] {
    return this.runs.filter((run) => run.role === 'student' && run.status === 'done');
  }

  get bestRunId(): string | null {
    return bestRun(this.runs)?.id ?? null;
  }

  /** The folder suggested for the current choices, inside the workbench folder. */
  get suggestedFolder(): string {
    const run = this.runs.find((candidate) => candidate.id === this.runId);
    if (run === undefined || this.homeDirectory === '') return '';
    const separator = this.homeDirectory.includes('\\') && !this.homeDirectory.includes('/') ? '\\' : '/';
    const target = this.preset === '' ? `${this.format}-${this.precision}` : this.preset;
    const name = exportFolderName({
      experimentName: this.experiment?.name ?? 'experiment',
      method: run.method,
      seed: run.seed,
      target,
    });
    return [this.homeDirectory.replace(/[\\/]+$/, ''), 'exports', name].join(separator);
  }

  /** Loads the experiment's runs and the workbench folder. */
  async load(): Promise<void> {
    this.loading = true;
    try {
      const [details, home] = await Promise.all([
        this.api.getExperiment({ id: this.experimentId }),
        this.api.getHome(),
      ]);
      this.experiment = details.experiment;
      this.runs = details.runs;
      this.homeDirectory = home.app.homeDirectory;
      this.mode = home.app.mode;
      const initial = this.exportableRuns.find((run) => run.id === this.initialRunId);
      this.runId = initial?.id ?? this.bestRunId ?? '';
      this.results = await this.api.listExports({ runId: this.runId === '' ? undefined : this.runId });
    } catch (error) {
      this.loadError = messageOf(error);
    } finally {
      this.loading = false;
    }
  }

  /** The folder the user typed, or undefined: then the export gets its own folder in the workbench home. */
  get typedFolder(): string | undefined {
    return this.folderEdited ? this.folder.trim() : undefined;
  }

  /** Runs the export with the current choices. */
  async start(): Promise<void> {
    const folder = this.typedFolder;
    this.folderProblem =
      folder === undefined || /^(\/|[A-Za-z]:[\\/])/.test(folder)
        ? null
        : strings.exportWizard.folderRequired;
    if (this.folderProblem !== null || this.runId === '' || this.exporting) return;
    this.exporting = true;
    this.error = null;
    const destination = folder === undefined ? {} : { outDirectory: folder };
    const request: CallInput<'exportRun'> =
      this.preset === ''
        ? { runId: this.runId, ...destination, format: this.format, precision: this.precision }
        : { runId: this.runId, ...destination, preset: this.preset };
    try {
      const record = await this.api.exportRun(request);
      this.results = [record, ...this.results.filter((result) => result.id !== record.id)];
    } catch (error) {
      this.error = messageOf(error);
    } finally {
      this.exporting = false;
    }
  }

  /** Opens an export's folder in the file manager (desktop app only). */
  async openFolder(exportId: string): Promise<void> {
    this.openError = null;
    try {
      await this.api.openExportFolder({ id: exportId });
    } catch (error) {
      this.openError = messageOf(error);
    }
  }
}
