import type { ExperimentDetails, ModelProfile, WorkbenchApi } from '../../../src-shared/contracts/api.js';
import type { DatasetSummary } from '../../../src-shared/contracts/domain-types.js';
import type { ExperimentResults } from '../../../src-shared/contracts/run-types.js';
import type { FigureDefinition } from '../../../src-shared/domain/figure-definitions.js';
import { describeForDataset } from '../../../src-shared/domain/results-csv.js';
import { strings } from '../../lib/strings.js';
import type { MethodCurve, PerClassSeries } from './compare-charts.js';
import {
  buildCompareRows,
  compareCsv,
  compareDefinitions,
  derivedRules,
  figuresOf,
  compareOrder,
  epochsByRunId,
  hyperparameterRows,
  meanTestCurve,
  runIdsToLoad,
} from './compare-model.js';
import type { CompareKey, CompareRow, HyperparameterRow } from './compare-model.js';

const text = strings.compare;

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * What the comparison shows for one experiment: the results per method, each run's epochs for the curves,
 * network sizes from the catalog, and latency once measured. It reloads when a run of the experiment finishes.
 */
export class CompareState {
  loading = $state(true);
  loadError = $state<string | null>(null);
  details = $state.raw<ExperimentDetails | null>(null);
  results = $state.raw<ExperimentResults | null>(null);
  dataset = $state.raw<DatasetSummary | null>(null);
  epochsByRun = $state.raw(epochsByRunId([]));
  profiles = $state.raw<{ teacher: ModelProfile | null; student: ModelProfile | null }>({
    teacher: null,
    student: null,
  });
  profiling = $state(false);
  profileError = $state<string | null>(null);
  hideShared = $state(true);

  teacherDescription = $derived(describeForDataset(this.results?.teacher?.backbone ?? null, this.dataset));
  studentDescription = $derived(describeForDataset(this.results?.studentBackbone ?? null, this.dataset));

  rows = $derived<readonly CompareRow[]>(
    this.results === null
      ? []
      : buildCompareRows(this.results, text.methodLabels, {
          teacher: figuresOf(this.teacherDescription, this.profiles.teacher),
          student: figuresOf(this.studentDescription, this.profiles.student),
        }),
  );

  /** The results as the CSV the CLI's `results --csv` writes too, with the sizes and speeds known here. */
  csv(): string {
    return this.results === null ? '' : compareCsv(this.results, this.dataset, this.profiles);
  }

  curves = $derived<readonly MethodCurve[]>(this.#curves());

  perClass = $derived<PerClassSeries>({
    classNames: this.results?.classNames ?? [],
    series: (this.results?.methods ?? []).flatMap((method) =>
      method.perClassDelta === null
        ? []
        : [{ key: method.method, label: text.methodLabels[method.method], values: method.perClassDelta }],
    ),
  });

  hyperparameters = $derived<readonly HyperparameterRow[]>(
    this.details === null
      ? []
      : hyperparameterRows(this.details.spec, this.details.hyperparameters, {
          value: text.settingValue,
          unknownDerived: text.unknownDerived,
          schedule: text.schedule,
        }),
  );

  /** How the derived values of the table are computed. */
  derivedRules = $derived(
    this.details === null ? [] : derivedRules(this.details.spec, this.details.hyperparameters),
  );

  /** What the figures of the table and charts mean, and which images and engine they come from. */
  definitions = $derived<readonly FigureDefinition[]>(
    this.details === null ? [] : compareDefinitions(this.details, this.results, this.profiles.student),
  );

  #reloadTimer: number | null = null;

  constructor(
    private readonly api: WorkbenchApi,
    private readonly experimentId: string,
  ) {}

  /** Reloads (once, shortly after) whenever a run of this experiment finishes; returns the stop function. */
  listen(): () => void {
    const stop = this.api.onRunStatus((run) => {
      if (run.experimentId !== this.experimentId || run.status !== 'done') return;
      if (this.#reloadTimer !== null) window.clearTimeout(this.#reloadTimer);
      this.#reloadTimer = window.setTimeout(() => {
        this.#reloadTimer = null;
        void this.load();
      }, 500);
    });
    return () => {
      stop();
      if (this.#reloadTimer !== null) window.clearTimeout(this.#reloadTimer);
    };
  }

  /** Loads the experiment, its results, its dataset and the epochs of every run. */
  async load(): Promise<void> {
    this.loadError = null;
    try {
      const [details, results] = await Promise.all([
        this.api.getExperiment({ id: this.experimentId }),
        this.api.getExperimentResults({ id: this.experimentId }),
      ]);
      const runIds = runIdsToLoad(
        details.runs.map((run) => run.id),
        results.teacher?.runId ?? null,
      );
      const [dataset, runs] = await Promise.all([
        this.api.getDataset({ id: details.spec.datasetId }).then(
          (found) => found.dataset,
          () => null,
        ),
        Promise.all(
          runIds.map((id) =>
            this.api.getRun({ id }).then(
              (run) => run,
              () => null,
            ),
          ),
        ),
      ]);
      this.details = details;
      this.results = results;
      this.dataset = dataset;
      this.epochsByRun = epochsByRunId(runs);
    } catch (error) {
      this.loadError = messageOf(error);
    } finally {
      this.loading = false;
    }
  }

  /** Measures the latency of the teacher's and the student's networks on this machine. */
  async measureLatency(): Promise<void> {
    const results = this.results;
    const dataset = this.dataset;
    if (results === null || dataset === null || this.profiling) return;
    this.profiling = true;
    this.profileError = null;
    const inputShape: [number, number, number] = [dataset.imageHeight, dataset.imageWidth, dataset.channels];
    const profile = (backbone: string): Promise<ModelProfile> =>
      this.api.profileModel({ backbone, classes: dataset.classCount, inputShape });
    try {
      const student = await profile(results.studentBackbone);
      const teacher =
        this.teacherDescription === null || results.teacher === null
          ? null
          : await profile(results.teacher.backbone);
      this.profiles = { teacher, student };
    } catch (error) {
      this.profileError = messageOf(error);
    } finally {
      this.profiling = false;
    }
  }

  #curves(): MethodCurve[] {
    const details = this.details;
    const results = this.results;
    if (details === null || results === null) return [];
    const curves: MethodCurve[] = [];
    for (const key of compareOrder) {
      const runIds =
        key === 'teacher'
          ? results.teacher?.runId
            ? [results.teacher.runId]
            : []
          : (results.methods.find((method) => method.method === key)?.runIds ?? []);
      const points = meanTestCurve(
        runIds.flatMap((id) => {
          const records = this.epochsByRun.get(id);
          return records === undefined ? [] : [records];
        }),
      );
      if (points.length > 0)
        curves.push({ key: key satisfies CompareKey, label: text.methodLabels[key], points });
    }
    return curves;
  }
}
