import type { CallInput, ExportRecord, WorkbenchApi } from '../../../src-shared/contracts/api.js';
import type { AppMode, ExperimentSummary } from '../../../src-shared/contracts/domain-types.js';
import type { ModelCard, ParityFigures } from '../../../src-shared/contracts/model-card.js';
import type { RunSummary } from '../../../src-shared/contracts/run-types.js';
import { edgePresetNames, edgePresets } from '../../../src-shared/domain/edge-presets.js';
import { exportFolderName } from '../../../src-shared/domain/export-naming.js';
import { formatBytes } from '../../lib/format.js';
import type { Recommendation } from '../../../src-shared/domain/recommendation.js';
import { strings } from '../../lib/strings.js';

export const exportPresets = ['', ...edgePresetNames] as const;
export type ExportPresetChoice = (typeof exportPresets)[number];
export const exportFormats = ['onnx', 'tfjs'] as const;
export const exportPrecisions = ['float32', 'float16', 'uint8'] as const;

/** One parity line as the export result shows it: under the name of the model it checked. */
export interface ParityLine {
  readonly engine: string;
  readonly label: string;
  readonly figures: ParityFigures;
}

/**
 * The parity entries of a card, the exported format's first, each named for what it checked: an ONNX export
 * also writes a TensorFlow.js copy for its demo page, whose line says so.
 */
export function parityLines(card: ModelCard, exportedFormat: string): ParityLine[] {
  const names = strings.exportWizard.parityEngines;
  return Object.entries(card.parity)
    .map(([engine, figures]) => ({
      engine,
      figures,
      label:
        engine === exportedFormat
          ? names.exported(strings.exportWizard.formats[engine] ?? engine)
          : engine === 'tfjs'
            ? names.demoCopy
            : (strings.exportWizard.formats[engine] ?? engine),
    }))
    .sort(
      (first, second) => Number(second.engine === exportedFormat) - Number(first.engine === exportedFormat),
    );
}

/** What a target writes, in one sentence: format, precision, size budget and where it runs. */
export function presetSummary(choice: ExportPresetChoice): string {
  const text = strings.exportWizard;
  if (choice === '') return text.customSummary;
  const preset = edgePresets[choice];
  return text.presetSummary(
    text.formats[preset.format] ?? preset.format,
    text.precisions[preset.precision] ?? preset.precision,
    formatBytes(preset.sizeBudgetBytes),
    preset.description,
  );
}

/** The name of a target in the Target list. */
export function presetLabel(choice: ExportPresetChoice): string {
  return choice === '' ? strings.exportWizard.customPreset : edgePresets[choice].label;
}

/** Whether every parity check of a card agrees on the top class of every image. */
export function parityPassed(card: ModelCard): boolean {
  const checks = Object.values(card.parity);
  return checks.length > 0 && checks.every((figures) => figures.top1Agreement === 1);
}

/**
 * The student run an export starts from: the one asked for in the address when it can be exported, else the
 * recommended student, else the first finished student.
 */
export function initialRunId(
  exportable: readonly RunSummary[],
  recommendation: Recommendation | null,
  requested: string | null,
): string {
  const pick = (id: string | null | undefined): string | undefined =>
    exportable.find((run) => run.id === id)?.id;
  return pick(requested) ?? pick(recommendation?.runId) ?? exportable[0]?.id ?? '';
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
  /** Which student the results recommend, and the warnings about them. */
  recommendation = $state.raw<Recommendation | null>(null);

  constructor(
    private readonly api: WorkbenchApi,
    readonly experimentId: string,
    private readonly initialRunId: string | null,
  ) {}

  get exportableRuns(): RunSummary[] {
    return this.runs.filter((run) => run.role === 'student' && run.status === 'done');
  }

  get recommendedRunId(): string | null {
    return this.recommendation?.runId ?? null;
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
      const [details, home, results] = await Promise.all([
        this.api.getExperiment({ id: this.experimentId }),
        this.api.getHome(),
        this.api.getExperimentResults({ id: this.experimentId }),
      ]);
      this.experiment = details.experiment;
      this.runs = details.runs;
      this.recommendation = results.recommendation;
      this.homeDirectory = home.app.homeDirectory;
      this.mode = home.app.mode;
      this.runId = initialRunId(this.exportableRuns, this.recommendation, this.initialRunId);
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

  /** Takes a deleted export off the list. */
  forgetResult(exportId: string): void {
    this.results = this.results.filter((result) => result.id !== exportId);
  }

  /** Shows an export's new name. */
  renameResult(exportId: string, name: string): void {
    this.results = this.results.map((result) => (result.id === exportId ? { ...result, name } : result));
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
