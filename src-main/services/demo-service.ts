import { randomUUID } from 'node:crypto';
import type { ExperimentDetails } from '../../src-shared/contracts/api.js';
import { exportRunArgumentsSchema } from '../../src-shared/contracts/api.js';
import { demoSizes } from '../../src-shared/contracts/demo-types.js';
import type { DemoSize, DemoStatus } from '../../src-shared/contracts/demo-types.js';
import type { BackendName } from '../../src-shared/contracts/engine-status.js';
import type { RunStatus } from '../../src-shared/contracts/run-types.js';
import { experimentSpecSchema } from '../../src-shared/domain/experiment-spec.js';
import type { ExperimentSpec } from '../../src-shared/domain/experiment-spec.js';
import type { WorkerSupervisor } from '../jobs/worker-supervisor.js';
import type { WorkbenchStore } from '../store/workbench-store.js';
import { demoDatasetRequests, ensureDemoDataset } from './demo-dataset.js';
import type { EventBus } from './event-bus.js';
import { experimentResults } from './experiments-service.js';
import { exportRun } from './exports-service.js';
import type { RunQueue } from './run-queue.js';

/**
 * The demo size `RTK_WORKBENCH_DEMO_SIZE` asks for (standard when unset): the end-to-end tests run the home
 * button's demo small through it.
 */
export function demoSizeFromEnvironment(environment: NodeJS.ProcessEnv = process.env): DemoSize {
  const value = environment.RTK_WORKBENCH_DEMO_SIZE;
  if (value === undefined || value === '') return 'standard';
  const size = demoSizes.find((candidate) => candidate === value);
  if (size === undefined) {
    throw new Error(`RTK_WORKBENCH_DEMO_SIZE must be one of ${demoSizes.join(', ')}, not "${value}".`);
  }
  return size;
}

/** What a demo's experiment trains, per demo size. */
interface DemoTraining {
  readonly teacher: { readonly backbone: string; readonly epochs: number };
  readonly student: string;
  readonly epochs: number;
  readonly trainImages: number | null;
}

const demoTraining: Readonly<Record<DemoSize, DemoTraining>> = {
  // About four minutes on two CPU cores with the WebAssembly engine, teacher and three students.
  standard: {
    teacher: { backbone: 'resnet14', epochs: 3 },
    student: 'resnet8',
    epochs: 2,
    trainImages: 1_500,
  },
  // The same steps in about a minute: a teacher of the student's own size, one epoch per student.
  small: { teacher: { backbone: 'resnet8', epochs: 2 }, student: 'resnet8', epochs: 1, trainImages: null },
};

/**
 * The demo's experiment: a teacher trained here, then one student each with RTK, KD and no teacher (the
 * student alone), one seed, the Quick preset's short cosine schedule.
 */
export function demoSpec(datasetId: string, size: DemoSize = 'standard'): ExperimentSpec {
  const training = demoTraining[size];
  return experimentSpecSchema.parse({
    name: size === 'standard' ? 'Demo: RTK and KD on shapes' : 'Demo (small): RTK and KD on shapes',
    preset: 'quick',
    datasetId,
    teacher: { source: 'train', ...training.teacher },
    student: { backbone: training.student },
    methods: ['rtk', 'kd', 'none'],
    schedule: {
      epochs: training.epochs,
      batchSize: 64,
      learningRate: 0.05,
      learningRateSchedule: { kind: 'cosine', minimum: 0 },
    },
    seeds: [1],
    ...(training.trainImages === null ? {} : { subset: { trainImages: training.trainImages } }),
  });
}

/** How following the demo's runs ended: null when every run ended, else why it stopped waiting. */
export interface FollowedRuns {
  readonly stopped: string | null;
}

/**
 * Follows the demo's runs while the home's owner trains them, until they end. The CLI passes its own (it
 * claims the home, prints progress and pauses on Ctrl+C); the desktop app and the lab server own the home
 * and use the default, which watches the store.
 */
export type RunFollower = (runIds: readonly string[]) => Promise<FollowedRuns>;

/** A demo in flight: `ready` once its experiment exists, `finished` once it has ended, however it ended. */
export interface DemoHandle {
  readonly ready: Promise<DemoStatus>;
  readonly finished: Promise<DemoStatus>;
}

/** What the demo needs of the process that runs it. */
export interface DemoContext {
  readonly store: WorkbenchStore;
  /** The worker that trains and exports. */
  readonly supervisor: WorkerSupervisor;
  /** The worker that imports; it draws the demo dataset, so a training run is never held up. */
  readonly importSupervisor: WorkerSupervisor;
  readonly homeDirectory: string;
  readonly forcedBackend: BackendName | null;
  readonly events: EventBus;
  readonly runQueue: RunQueue;
  /** The size the home button's demo takes (`RTK_WORKBENCH_DEMO_SIZE`); the CLI chooses its own. */
  readonly demoSize: DemoSize;
  /** Creates an experiment and queues its runs, as the createExperiment call does. */
  readonly createExperiment: (spec: ExperimentSpec) => Promise<ExperimentDetails>;
}

const endedStatuses: ReadonlySet<RunStatus> = new Set(['done', 'failed', 'cancelled']);
const storePollMilliseconds = 2_000;
const runningPhases: ReadonlySet<DemoStatus['phase']> = new Set(['dataset', 'training', 'exporting']);

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * The one-click demo, the same use case for the home button and `rtk-workbench demo`: makes sure the demo
 * dataset is there (drawn by the worker, recorded in the store), creates the demo experiment, waits while the
 * home's owner trains its runs, then exports the recommended student through the exports service (verified,
 * with its model card, recorded) into the home's exports folder. It publishes `onDemoStatus` at each step and
 * goes on whatever page the user opens; one demo runs at a time per process.
 */
export class DemoService {
  #current: (DemoHandle & { status: DemoStatus }) | null = null;

  constructor(private readonly context: DemoContext) {}

  /** The demo started last in this process (running or ended), or null. */
  get current(): DemoStatus | null {
    return this.#current?.status ?? null;
  }

  /** Starts a demo, or returns the one still running. */
  start(options: { readonly size?: DemoSize; readonly follow?: RunFollower } = {}): DemoHandle {
    const running = this.#current;
    if (running !== null && runningPhases.has(running.status.phase)) return running;
    const status: DemoStatus = {
      id: randomUUID(),
      size: options.size ?? this.context.demoSize,
      phase: 'dataset',
      datasetId: null,
      experimentId: null,
      runsDone: 0,
      runsTotal: 0,
      recommendedRunId: null,
      export: null,
      message: null,
      startedAt: new Date().toISOString(),
      finishedAt: null,
    };
    let markReady: (status: DemoStatus) => void = () => undefined;
    let refuse: (error: Error) => void = () => undefined;
    const ready = new Promise<DemoStatus>((resolve, reject) => {
      markReady = resolve;
      refuse = reject;
    });
    // A caller that only awaits `finished` must not see an unhandled rejection of `ready`.
    ready.catch(() => undefined);
    const entry = { status, ready, finished: Promise.resolve(status) };
    this.#current = entry;
    this.publish(entry, {});
    entry.finished = this.run(entry, options.follow ?? ((runIds) => this.waitForRuns(runIds)), {
      ready: markReady,
      refuse,
    });
    return entry;
  }

  private publish(entry: { status: DemoStatus }, change: Partial<DemoStatus>): DemoStatus {
    const ended = change.phase !== undefined && !runningPhases.has(change.phase);
    entry.status = {
      ...entry.status,
      ...change,
      ...(ended ? { finishedAt: new Date().toISOString() } : {}),
    };
    this.context.events.publish('onDemoStatus', entry.status);
    return entry.status;
  }

  private async run(
    entry: { status: DemoStatus },
    follow: RunFollower,
    settle: { ready: (status: DemoStatus) => void; refuse: (error: Error) => void },
  ): Promise<DemoStatus> {
    const { store } = this.context;
    let created = false;
    try {
      const { dataset } = await ensureDemoDataset(
        { store, supervisor: this.context.importSupervisor, homeDirectory: this.context.homeDirectory },
        demoDatasetRequests[entry.status.size],
      );
      this.publish(entry, { datasetId: dataset.id });
      const details = await this.context.createExperiment(demoSpec(dataset.id, entry.status.size));
      const runIds = details.runs.map((run) => run.id);
      created = true;
      settle.ready(
        this.publish(entry, {
          phase: 'training',
          experimentId: details.experiment.id,
          runsTotal: runIds.length,
        }),
      );
      const countDone = (): number => runIds.filter((id) => store.runs.get(id)?.status === 'done').length;
      const unsubscribe = this.context.events.subscribe((name) => {
        if (name !== 'onRunStatus') return;
        const runsDone = countDone();
        if (runsDone !== entry.status.runsDone) this.publish(entry, { runsDone });
      });
      let followed: FollowedRuns;
      try {
        followed = await follow(runIds);
      } finally {
        unsubscribe();
      }
      const runsDone = countDone();
      const results = experimentResults(store, details.experiment.id);
      const recommendation = results.recommendation;
      const unfinished = runIds.some((id) => !endedStatuses.has(store.runs.get(id)?.status ?? 'failed'));
      if (followed.stopped !== null && unfinished) {
        return this.publish(entry, {
          phase: 'stopped',
          runsDone,
          message:
            `${followed.stopped} Resume the demo's runs; once they are done, export the recommended student ` +
            "from the experiment's Export page.",
        });
      }
      if (recommendation === null) {
        return this.publish(entry, {
          phase: 'failed',
          runsDone,
          message: 'No student finished training, so there is nothing to export; the runs say why.',
        });
      }
      this.publish(entry, { phase: 'exporting', runsDone, recommendedRunId: recommendation.runId });
      const record = await exportRun(
        this.context,
        exportRunArgumentsSchema.parse({ runId: recommendation.runId, format: 'onnx' }),
      );
      return this.publish(entry, {
        phase: 'done',
        export: { id: record.id, directory: record.directory, format: record.format },
      });
    } catch (error) {
      if (!created) settle.refuse(error instanceof Error ? error : new Error(messageOf(error)));
      return this.publish(entry, { phase: 'failed', message: messageOf(error) });
    }
  }

  /**
   * The default follower: waits until every run has ended (done, failed or cancelled). A paused or
   * interrupted run is waited for, since the user can resume it; a queue halted by a full disk stops the wait.
   */
  private waitForRuns(runIds: readonly string[]): Promise<FollowedRuns> {
    const { store, events, runQueue } = this.context;
    return new Promise((resolve) => {
      let unsubscribe: () => void = () => undefined;
      let timer: NodeJS.Timeout | null = null;
      const finish = (outcome: FollowedRuns): void => {
        unsubscribe();
        if (timer !== null) clearInterval(timer);
        resolve(outcome);
      };
      const check = (): void => {
        if (runIds.every((id) => endedStatuses.has(store.runs.get(id)?.status ?? 'failed'))) {
          finish({ stopped: null });
        } else if (runQueue.haltReason !== null && runQueue.activeRunId === null) {
          finish({ stopped: `Training stopped: ${runQueue.haltReason}` });
        }
      };
      unsubscribe = events.subscribe((name) => {
        if (name === 'onRunStatus') check();
      });
      // Runs that another process trains change in the store without an event here.
      timer = setInterval(check, storePollMilliseconds);
      timer.unref();
      check();
    });
  }
}
