import type { ExperimentEstimate, WorkbenchApi } from '../../../src-shared/contracts/api.js';
import type { DatasetSummary } from '../../../src-shared/contracts/domain-types.js';
import type { RunSummary } from '../../../src-shared/contracts/run-types.js';
import { attentionTransferLinks } from '../../../src-shared/domain/attention-transfer-links.js';
import { catalogBackboneNames, describeBackbone } from '../../../src-shared/domain/backbone-catalog.js';
import type { BackboneDescription } from '../../../src-shared/domain/backbone-catalog.js';
import {
  describeSpecProblems,
  experimentPresets,
  experimentSpecSchema,
  presetDefaults,
} from '../../../src-shared/domain/experiment-spec.js';
import type { ExperimentPreset, ExperimentSpecInput } from '../../../src-shared/domain/experiment-spec.js';
import {
  distillationMethods,
  methodCatalog,
  resolveHyperparameters,
} from '../../../src-shared/domain/method-catalog.js';
import type {
  DistillationMethod,
  HyperparameterDescriptor,
} from '../../../src-shared/domain/method-catalog.js';
import { strings } from '../../lib/strings.js';
import type { TeacherRecord } from '../../../src-shared/contracts/teacher-types.js';
import { parseNumberField, parseSeeds } from './field-parsing.js';
import { studentSizeWarning } from './student-size.js';
import { TeacherImportState } from './teacher-import-state.svelte.js';

export { parseNumberField, parseSeeds };

export const wizardSteps = ['dataset', 'teacher', 'student', 'methods', 'schedule', 'review'] as const;
export type WizardStep = (typeof wizardSteps)[number];
export type TeacherSource = 'train' | 'run' | 'import' | 'imported';

const text = strings.newExperiment;

/** Problems of the fields of one step, by field id; empty when the step is complete. */
export type FieldProblems = Readonly<Record<string, string>>;

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function emptyHyperparameters(): Record<DistillationMethod, Record<string, string>> {
  return { none: {}, kd: {}, at: {}, afd: {}, rtk: {} };
}

/** One backbone of the student catalog, with its cost for the chosen dataset. */
export interface CatalogEntry {
  readonly name: string;
  readonly description: BackboneDescription | null;
  /** Teacher parameters over student parameters; null when the teacher's size is unknown. */
  readonly compression: number | null;
}

/** The new-experiment wizard: every entry of every step, kept while the user moves back and forth. */
export class NewExperimentState {
  stepIndex = $state(0);
  /** Problems are shown for a step once the user tried to leave it forwards. */
  shownProblems = $state<FieldProblems>({});
  touched = $state(false);
  datasets = $state.raw<readonly DatasetSummary[]>([]);
  teacherRuns = $state.raw<readonly RunSummary[]>([]);
  loadError = $state<string | null>(null);

  name = $state('');
  datasetId = $state('');
  teacherSource = $state<TeacherSource>('train');
  teacherBackbone = $state('resnet20');
  teacherEpochs = $state('');
  teacherRunId = $state('');
  teacherModelPath = $state('');
  /** Teachers imported earlier, of every dataset. */
  importedTeachers = $state.raw<readonly TeacherRecord[]>([]);
  importedTeacherId = $state('');
  /** Taps of the imported teacher the user unticked. */
  untickedTaps = $state<number[]>([]);
  readonly teacherImport: TeacherImportState;
  studentBackbone = $state('resnet8');
  methods = $state<Record<DistillationMethod, boolean>>({
    none: true,
    kd: false,
    at: false,
    afd: false,
    rtk: true,
  });
  hyperparameters = $state(emptyHyperparameters());
  preset = $state<ExperimentPreset>('quick');
  epochs = $state('');
  batchSize = $state('');
  learningRate = $state('');
  seeds = $state('');
  trainSubset = $state('');
  testSubset = $state('');

  estimate = $state.raw<ExperimentEstimate | null>(null);
  estimateError = $state<string | null>(null);
  starting = $state(false);
  startError = $state<string | null>(null);

  constructor(
    private readonly api: WorkbenchApi,
    initialDatasetId: string | null,
    initialPreset: string | null,
  ) {
    this.teacherImport = new TeacherImportState(api);
    if (initialDatasetId !== null) this.datasetId = initialDatasetId;
    const preset = experimentPresets.find((candidate) => candidate === initialPreset) ?? 'quick';
    this.applyPreset(preset);
  }

  get step(): WizardStep {
    return wizardSteps[this.stepIndex] ?? 'dataset';
  }

  get dataset(): DatasetSummary | undefined {
    return this.datasets.find((dataset) => dataset.id === this.datasetId);
  }

  /** The reused teacher run, when that is the source. */
  get teacherRun(): RunSummary | undefined {
    return this.teacherRuns.find((run) => run.id === this.teacherRunId);
  }

  /** The teacher's backbone name, or null for an imported model outside the catalog. */
  get teacherBackboneName(): string | null {
    if (this.teacherSource === 'train') return this.teacherBackbone;
    if (this.teacherSource === 'run') return this.teacherRun?.backbone ?? null;
    if (this.teacherSource === 'imported') return this.importedTeacher?.backbone ?? null;
    return null;
  }

  /** The imported teachers measured on the chosen dataset. */
  get teachersForDataset(): TeacherRecord[] {
    return this.importedTeachers.filter((teacher) => teacher.datasetId === this.datasetId);
  }

  /** The chosen imported teacher, when that is the source. */
  get importedTeacher(): TeacherRecord | undefined {
    return this.teachersForDataset.find((teacher) => teacher.id === this.importedTeacherId);
  }

  /** Picks an imported teacher; all its taps start ticked. */
  chooseImportedTeacher(id: string): void {
    this.importedTeacherId = id;
    this.untickedTaps = [];
  }

  /** Ticks or unticks one tap of the imported teacher. */
  setTap(index: number, used: boolean): void {
    const others = this.untickedTaps.filter((tap) => tap !== index);
    this.untickedTaps = used ? others : [...others, index];
    this.touched = true;
  }

  /** The imported teacher's taps the student will learn from, by index. */
  get chosenTaps(): number[] {
    return (this.importedTeacher?.taps ?? [])
      .map((tap) => tap.index)
      .filter((index) => !this.untickedTaps.includes(index));
  }

  /** How many feature taps the teacher gives the methods, when known. */
  get teacherTapCount(): number | null {
    if (this.teacherSource === 'imported')
      return this.importedTeacher === undefined ? null : this.chosenTaps.length;
    return this.teacherDescription?.taps.length ?? null;
  }

  /** Imports the file of the form for the chosen dataset, measures it, and chooses it as the teacher. */
  async importTeacher(): Promise<TeacherRecord | null> {
    const teacher = await this.teacherImport.run(this.datasetId);
    if (teacher !== null) {
      this.importedTeachers = [teacher, ...this.importedTeachers.filter((known) => known.id !== teacher.id)];
      this.chooseImportedTeacher(teacher.id);
    }
    return teacher;
  }

  private describe(name: string | null): BackboneDescription | null {
    const dataset = this.dataset;
    if (name === null || dataset === undefined) return null;
    try {
      return describeBackbone(name, {
        classes: dataset.classCount,
        inputShape: [dataset.imageHeight, dataset.imageWidth, dataset.channels],
      });
    } catch {
      return null;
    }
  }

  get teacherDescription(): BackboneDescription | null {
    return this.describe(this.teacherBackboneName);
  }

  get studentDescription(): BackboneDescription | null {
    return this.describe(this.studentBackbone);
  }

  /** Every catalog backbone with its cost for this dataset and its compression against the teacher. */
  get catalog(): CatalogEntry[] {
    const teacher = this.teacherDescription;
    return catalogBackboneNames.map((name) => {
      const description = this.describe(name);
      const compression =
        teacher === null || description === null ? null : teacher.parameterCount / description.parameterCount;
      return { name, description, compression };
    });
  }

  /** AT's links for the chosen teacher and student, as labels; null while either network is unknown. */
  get attentionTransferLinks(): string[] | null {
    const teacher = this.teacherDescription;
    const student = this.studentDescription;
    return teacher === null || student === null ? null : attentionLinkLabels(teacher, student);
  }

  /** The warning shown when the student is not smaller than the teacher; null when it is, or sizes are unknown. */
  get studentSizeWarning(): string | null {
    const teacher = this.teacherDescription;
    const student = this.studentDescription;
    return studentSizeWarning(
      teacher === null ? null : { label: teacher.label, parameterCount: teacher.parameterCount },
      student === null ? null : { label: student.label, parameterCount: student.parameterCount },
    );
  }

  /** Whether the teacher is an imported graph whose parameters the workbench does not know. */
  get teacherSizeUnknown(): boolean {
    const importedGraph =
      this.teacherSource === 'import' ||
      (this.teacherSource === 'imported' && this.importedTeacher !== undefined);
    return importedGraph && this.teacherDescription === null;
  }

  /** The chosen methods, with the student alone always among them. */
  get chosenMethods(): DistillationMethod[] {
    return distillationMethods.filter((method) => method === 'none' || this.methods[method]);
  }

  /** The default a hyperparameter takes, derived ones computed from the tap counts when both are known. */
  defaultOf(method: DistillationMethod, parameter: HyperparameterDescriptor): string | null {
    if (parameter.kind === 'choice') return parameter.default;
    if (parameter.default !== null) return String(parameter.default);
    const teacherTaps = this.teacherTapCount;
    const student = this.studentDescription;
    if (teacherTaps === null || teacherTaps === 0 || student === null) return null;
    try {
      const resolved: Readonly<Record<string, unknown>> = resolveHyperparameters(
        method,
        {},
        { teacher: teacherTaps, student: student.taps.length },
      );
      const value = resolved[parameter.key];
      return typeof value === 'number' ? String(Number(value.toPrecision(4))) : null;
    } catch {
      return null;
    }
  }

  /** Whether a hyperparameter matters under the other choices (rtkK only for top-k, and so on). */
  applies(method: DistillationMethod, parameter: HyperparameterDescriptor): boolean {
    if (parameter.kind === 'choice' || parameter.appliesWhen === undefined) return true;
    const other = methodCatalog[method].hyperparameters.find(
      (candidate) => candidate.key === parameter.appliesWhen?.key,
    );
    const current = this.hyperparameters[method][parameter.appliesWhen.key] ?? '';
    const value = current.length > 0 ? current : other?.kind === 'choice' ? other.default : '';
    return value === parameter.appliesWhen.value;
  }

  /** Puts every hyperparameter of a method back to its default. */
  resetHyperparameters(method: DistillationMethod): void {
    this.hyperparameters[method] = {};
    this.touched = true;
  }

  /** Fills the schedule fields from a preset. */
  applyPreset(preset: ExperimentPreset): void {
    this.preset = preset;
    if (preset === 'custom') return;
    const defaults = presetDefaults[preset];
    this.epochs = String(defaults.schedule.epochs);
    this.batchSize = String(defaults.schedule.batchSize ?? 64);
    this.learningRate = String(defaults.schedule.learningRate ?? 0.05);
    this.seeds = (defaults.seeds ?? [1]).join(', ');
    this.trainSubset = defaults.subset?.trainImages === undefined ? '' : String(defaults.subset.trainImages);
    this.testSubset = defaults.subset?.testImages === undefined ? '' : String(defaults.subset.testImages);
  }

  /** Loads the datasets and the finished runs a teacher can be reused from. */
  async load(): Promise<void> {
    try {
      const [datasets, runs, teachers] = await Promise.all([
        this.api.listDatasets(),
        this.api.listRuns(),
        this.api.listTeachers(),
      ]);
      this.datasets = datasets;
      this.importedTeachers = teachers;
      this.teacherRuns = runs.filter((run) => run.status === 'done');
      if (this.datasetId === '' || this.dataset === undefined) this.datasetId = datasets[0]?.id ?? '';
      if (this.name.trim() === '' && this.dataset !== undefined)
        this.name = text.defaultName(this.dataset.name);
    } catch (error) {
      this.loadError = messageOf(error);
    }
  }

  /** Problems of the fields of one step. */
  problemsOf(step: WizardStep): FieldProblems {
    const problems: Record<string, string> = {};
    if (step === 'dataset') {
      if (this.name.trim().length === 0) problems['experiment-name'] = text.nameRequired;
      if (this.dataset === undefined) problems['experiment-dataset'] = text.datasetRequired;
    } else if (step === 'teacher') {
      if (this.teacherSource === 'train') {
        const epochs = parseNumberField(this.teacherEpochs, { minimum: 1, maximum: 10_000, integer: true });
        if (epochs.problem !== null) problems['teacher-epochs'] = epochs.problem;
      } else if (this.teacherSource === 'run') {
        if (this.teacherRun === undefined) problems['teacher-run'] = text.teacherRunRequired;
      } else if (this.teacherSource === 'imported') {
        if (this.importedTeacher === undefined) {
          problems['teacher-imported'] = strings.teacherImport.teacherRequired;
        } else if (this.chosenTaps.length === 0 && this.importedTeacher.taps.length > 0) {
          problems['teacher-taps'] = strings.teacherImport.tapsRequired;
        }
      } else if (!/^(\/|[A-Za-z]:[\\/])/.test(this.teacherModelPath.trim())) {
        problems['teacher-model-path'] = text.teacherModelPathRequired;
      }
    } else if (step === 'methods') {
      if (!distillationMethods.some((method) => method !== 'none' && this.methods[method])) {
        problems['methods'] = text.methodsRequired;
      }
      for (const method of this.chosenMethods) {
        for (const parameter of methodCatalog[method].hyperparameters) {
          if (parameter.kind !== 'number') continue;
          const parsed = parseNumberField(this.hyperparameters[method][parameter.key] ?? '', parameter);
          if (parsed.problem !== null) problems[`${method}-${parameter.key}`] = parsed.problem;
        }
      }
    } else if (step === 'schedule') {
      const required = (id: string, raw: string, rules: Parameters<typeof parseNumberField>[1]): void => {
        const parsed = parseNumberField(raw, rules);
        if (parsed.problem !== null) problems[id] = parsed.problem;
        else if (parsed.value === null) problems[id] = text.numberInvalid;
      };
      required('schedule-epochs', this.epochs, { minimum: 1, maximum: 10_000, integer: true });
      required('schedule-batch', this.batchSize, { minimum: 1, maximum: 4096, integer: true });
      required('schedule-learning-rate', this.learningRate, { minimum: 1e-6, maximum: 10, integer: false });
      if (parseSeeds(this.seeds) === null) problems['schedule-seeds'] = text.seedsInvalid;
      const subsetRules = { minimum: 1, maximum: 100_000_000, integer: true };
      const train = parseNumberField(this.trainSubset, subsetRules);
      if (train.problem !== null) problems['schedule-train-subset'] = train.problem;
      const test = parseNumberField(this.testSubset, subsetRules);
      if (test.problem !== null) problems['schedule-test-subset'] = test.problem;
    }
    return problems;
  }

  /** The spec the entries describe (not yet validated by the schema). */
  buildSpec(): ExperimentSpecInput {
    const number = (raw: string): number | undefined => {
      const trimmed = raw.trim();
      return trimmed.length === 0 ? undefined : Number(trimmed);
    };
    const teacherEpochs = number(this.teacherEpochs);
    const teacher: ExperimentSpecInput['teacher'] =
      this.teacherSource === 'train'
        ? {
            source: 'train',
            backbone: this.teacherBackbone,
            ...(teacherEpochs === undefined ? {} : { epochs: teacherEpochs }),
          }
        : this.teacherSource === 'run'
          ? { source: 'run', runId: this.teacherRunId }
          : this.teacherSource === 'imported'
            ? {
                source: 'imported',
                teacherId: this.importedTeacherId,
                ...(this.untickedTaps.length === 0 ? {} : { taps: this.chosenTaps }),
              }
            : { source: 'import', modelJsonPath: this.teacherModelPath.trim() };
    const hyperparameters: Partial<Record<DistillationMethod, Record<string, number | string>>> = {};
    for (const method of this.chosenMethods) {
      const values: Record<string, number | string> = {};
      for (const parameter of methodCatalog[method].hyperparameters) {
        const raw = (this.hyperparameters[method][parameter.key] ?? '').trim();
        if (raw.length === 0 || !this.applies(method, parameter)) continue;
        values[parameter.key] = parameter.kind === 'number' ? Number(raw) : raw;
      }
      if (Object.keys(values).length > 0) hyperparameters[method] = values;
    }
    const base = presetDefaults[this.preset === 'custom' ? 'quick' : this.preset];
    const trainImages = number(this.trainSubset);
    const testImages = number(this.testSubset);
    const subset =
      trainImages === undefined && testImages === undefined
        ? undefined
        : {
            ...(trainImages === undefined ? {} : { trainImages }),
            ...(testImages === undefined ? {} : { testImages }),
          };
    return {
      name: this.name.trim(),
      preset: this.preset,
      datasetId: this.datasetId,
      teacher,
      student: { backbone: this.studentBackbone },
      methods: this.chosenMethods,
      hyperparameters,
      schedule: {
        ...base.schedule,
        epochs: number(this.epochs) ?? base.schedule.epochs,
        batchSize: number(this.batchSize) ?? 64,
        learningRate: number(this.learningRate) ?? 0.05,
      },
      seeds: parseSeeds(this.seeds) ?? [],
      ...(subset === undefined ? {} : { subset }),
    };
  }

  /** Every problem the schema finds in the spec, one line each. */
  get specProblems(): string[] {
    const parsed = experimentSpecSchema.safeParse(this.buildSpec());
    return parsed.success ? [] : describeSpecProblems(parsed.error);
  }

  /** Moves to the next step when the current one is complete, else shows its problems. */
  next(): boolean {
    const problems = this.problemsOf(this.step);
    this.shownProblems = problems;
    if (Object.keys(problems).length > 0) return false;
    this.stepIndex = Math.min(this.stepIndex + 1, wizardSteps.length - 1);
    if (this.step === 'review') void this.loadEstimate();
    return true;
  }

  /** Moves back a step; what was entered stays. */
  back(): void {
    this.shownProblems = {};
    this.stepIndex = Math.max(this.stepIndex - 1, 0);
  }

  /** Opens an earlier step directly (the step list); later steps open only through Next. */
  goTo(index: number): void {
    if (index < this.stepIndex) {
      this.shownProblems = {};
      this.stepIndex = index;
    }
  }

  /** Asks the workbench how long the experiment would train on this machine. */
  async loadEstimate(): Promise<void> {
    this.estimate = null;
    this.estimateError = null;
    const parsed = experimentSpecSchema.safeParse(this.buildSpec());
    if (!parsed.success) return;
    try {
      this.estimate = await this.api.estimateExperiment({ spec: parsed.data });
    } catch (error) {
      this.estimateError = messageOf(error);
    }
  }

  /** Creates the experiment; resolves to its id, or null when it could not be created. */
  async start(): Promise<string | null> {
    this.startError = null;
    const parsed = experimentSpecSchema.safeParse(this.buildSpec());
    if (!parsed.success) {
      this.startError = describeSpecProblems(parsed.error).join('\n');
      return null;
    }
    this.starting = true;
    try {
      const details = await this.api.createExperiment({ spec: parsed.data });
      return details.experiment.id;
    } catch (error) {
      this.startError = messageOf(error);
      return null;
    } finally {
      this.starting = false;
    }
  }
}

/** AT's links of a teacher and a student as `teacher tap → student tap (H×W)`; empty when there are none. */
export function attentionLinkLabels(teacher: BackboneDescription, student: BackboneDescription): string[] {
  return attentionTransferLinks(teacher.taps, student.taps).map(
    (link) =>
      `${teacher.taps[link.teacher]?.name ?? link.teacher} → ${student.taps[link.student]?.name ?? link.student} ` +
      `(${link.height}×${link.width})`,
  );
}
