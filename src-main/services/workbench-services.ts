import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { WorkbenchHandlers } from '../../src-shared/contracts/api.js';
import type { AppInfo, AppMode } from '../../src-shared/contracts/domain-types.js';
import { parseHealthReport } from '../../src-shared/contracts/dataset-manifest.js';
import type { DemoSize } from '../../src-shared/contracts/demo-types.js';
import type { BackendName, EngineStatus } from '../../src-shared/contracts/engine-status.js';
import type { WorkerSupervisor } from '../jobs/worker-supervisor.js';
import type { OwnerClaim, OwnerKind } from '../store/repositories/home-owner-repository.js';
import type { WorkbenchStore } from '../store/workbench-store.js';
import { readDatasetThumbnails } from './dataset-thumbnails.js';
import { importDatasetIntoStore } from './datasets-service.js';
import { demoDatasetRequests, ensureDemoDataset } from './demo-dataset.js';
import { DemoService } from './demo-service.js';
import { EventBus } from './event-bus.js';
import { exportRun, listExports, profileModel } from './exports-service.js';
import { createExperiment, experimentResults, requireExperimentDetails } from './experiments-service.js';
import { estimateExperiment } from './experiment-estimate.js';
import { HomeOwnership } from './home-ownership.js';
import { createHousekeepingHandlers } from './housekeeping-handlers.js';
import { browsePath, defaultBrowseRoots } from './path-browser.js';
import { RunQueue } from './run-queue.js';
import { describeStorageFailure, isDiskFull } from './storage-failure.js';
import { importTeacherIntoStore, requireTeacher } from './teachers-service.js';
import { workbenchVersion } from './version.js';

/** What the services need from the process that hosts them. */
export interface ServicesContext {
  readonly store: WorkbenchStore;
  readonly supervisor: WorkerSupervisor;
  /** A second worker that runs only imports, so an import neither waits for nor stops a training run. */
  readonly importSupervisor: WorkerSupervisor;
  readonly homeDirectory: string;
  readonly mode: AppMode;
  readonly forcedBackend: BackendName | null;
  /** Opens a folder in the system file manager (Electron's shell.openPath); absent outside the desktop app. */
  readonly openFolder?: (path: string) => Promise<void>;
  /** Shows the native open dialog (Electron's dialog.showOpenDialog); absent outside the desktop app. */
  readonly pickPath?: (kind: 'file' | 'folder') => Promise<string | null>;
  /** Folders the path browser may list besides the default ones (`serve --browse-root`). */
  readonly extraBrowseRoots?: readonly string[];
  /** The size of the demo the home button starts; standard unless `RTK_WORKBENCH_DEMO_SIZE` says small. */
  readonly demoSize?: DemoSize;
}

/** The use cases behind every call of the contract, and the event stream they publish to. */
export interface WorkbenchServices {
  readonly handlers: WorkbenchHandlers;
  readonly events: EventBus;
  readonly runQueue: RunQueue;
  /** The one-click demo, for the home button and `rtk-workbench demo`. */
  readonly demo: DemoService;
  /**
   * Claims the workbench home for this process and starts serving its queue, unless another live process
   * owns it (then nothing changes and the claim names that process). Runs the previous owner left running
   * are marked interrupted, in the same transaction as the claim. Only the desktop app, the lab server and
   * the CLI commands that train claim a home.
   */
  claimHome(kind: OwnerKind, description: string): OwnerClaim;
  /** Stops serving the queue and gives the home up, so another process can claim it. */
  releaseHome(): void;
  /** Runs doctor once so the first screen has the engine status; failures are kept as the engine error. */
  warmUp(): Promise<void>;
  /** Resolves once the start-up sweep has removed what deletions interrupted by a crash left behind. */
  whenSwept(): Promise<void>;
}

/**
 * The handlers, with a full disk reported in plain words (with the free space on the home) instead of
 * SQLite's or the file system's own message.
 */
function withStorageMessages(handlers: WorkbenchHandlers, homeDirectory: string): WorkbenchHandlers {
  const wrapped: Record<string, (argumentsValue: never) => Promise<unknown>> = {};
  for (const [name, handler] of Object.entries(handlers) as [
    string,
    (argumentsValue: never) => Promise<unknown>,
  ][]) {
    wrapped[name] = async (argumentsValue) => {
      try {
        return await handler(argumentsValue);
      } catch (error) {
        if (!isDiskFull(error)) throw error;
        throw new Error(describeStorageFailure(error, homeDirectory) ?? String(error), { cause: error });
      }
    };
  }
  return wrapped as unknown as WorkbenchHandlers;
}

/** Builds the services over a store and a worker supervisor. */
export function createWorkbenchServices(context: ServicesContext): WorkbenchServices {
  const events = new EventBus();
  const ownership = new HomeOwnership(context.store, (owner) => {
    runQueue.stopServing();
    console.error(
      `This process no longer owns the workbench home ${context.homeDirectory}` +
        `${owner === undefined ? '' : `: ${owner.description} (process ${owner.pid}) took it over`}; it stopped taking runs.`,
    );
  });
  const runQueue = new RunQueue(
    context.store,
    context.supervisor,
    events,
    context.homeDirectory,
    context.forcedBackend,
  );
  // What this process is doing with a run or dataset that a deletion must not pull from under it.
  const exportsInFlight = new Map<string, number>();
  const teacherImportsInFlight = new Map<string, number>();
  const housekeeping = createHousekeepingHandlers({
    store: context.store,
    homeDirectory: context.homeDirectory,
    runQueue,
    events,
    busyReason: (kind, id) =>
      kind === 'run' && exportsInFlight.has(id)
        ? `Run ${id} is being exported; wait until the export ends.`
        : kind === 'dataset' && teacherImportsInFlight.has(id)
          ? `A teacher is being imported for dataset ${id}; wait until the import ends.`
          : null,
  });
  const swept = reportSweep(housekeeping.sweep(), context.homeDirectory);
  const engine = new EngineDoctor(context, events);
  context.supervisor.on('state', (state) => events.publish('onWorkerState', state));

  const parts: HandlerParts = { context, events, runQueue };
  const handlers: WorkbenchHandlers = {
    ...homeHandlers(parts, engine),
    ...datasetHandlers(parts),
    ...demoHandlers(() => demo),
    ...experimentHandlers(parts),
    ...runHandlers(parts),
    ...exportHandlers(parts, exportsInFlight),
    ...fileHandlers(context),
    ...teacherHandlers(parts, teacherImportsInFlight),
    ...housekeeping.handlers,
  };

  const wrappedHandlers = withStorageMessages(handlers, context.homeDirectory);
  const demo = new DemoService({
    ...context,
    events,
    runQueue,
    demoSize: context.demoSize ?? 'standard',
    createExperiment: (spec) => wrappedHandlers.createExperiment({ spec }),
  });

  return {
    handlers: wrappedHandlers,
    events,
    runQueue,
    demo,
    claimHome: (kind, description) => {
      const claim = ownership.claim(kind, description, () => runQueue.recoverAbandonedRuns());
      if (claim.claimed) runQueue.serve();
      return claim;
    },
    releaseHome: () => {
      runQueue.stopServing();
      ownership.release();
    },
    warmUp: async () => {
      try {
        await engine.run();
      } catch {
        // The error is kept in engineError and shown on the home screen.
      }
    },
    whenSwept: () => swept,
  };
}

/** What most groups of handlers share. */
interface HandlerParts {
  readonly context: ServicesContext;
  readonly events: EventBus;
  readonly runQueue: RunQueue;
}

/** Says in the log what the start-up sweep removed, or why it could not finish; never rejects. */
function reportSweep(sweep: Promise<string[]>, homeDirectory: string): Promise<void> {
  return sweep.then(
    (removed) => {
      if (removed.length > 0) {
        console.error(
          `Removed ${removed.length} folder${removed.length === 1 ? '' : 's'} that an interrupted deletion left in ${homeDirectory}.`,
        );
      }
    },
    (error: unknown) => {
      console.error(
        `Could not finish removing what an interrupted deletion left in ${homeDirectory}: ` +
          `${error instanceof Error ? error.message : String(error)}. The next start tries again.`,
      );
    },
  );
}

/** The engine status from the last doctor run, or the error it ended with; one doctor run at a time. */
class EngineDoctor {
  status: EngineStatus | null = null;
  error: string | null = null;
  private inFlight: Promise<EngineStatus> | null = null;

  constructor(
    private readonly context: ServicesContext,
    private readonly events: EventBus,
  ) {}

  run(): Promise<EngineStatus> {
    this.inFlight ??= this.context.supervisor
      .run({ type: 'doctor', forcedBackend: this.context.forcedBackend })
      .then((status) => {
        this.status = status;
        this.error = null;
        this.events.publish('onEngineStatus', status);
        return status;
      })
      .catch((error: unknown) => {
        this.error = error instanceof Error ? error.message : String(error);
        throw error;
      })
      .finally(() => {
        this.inFlight = null;
      });
    return this.inFlight;
  }
}

/** Counts `work` as in flight for `id` while it runs. */
async function whileBusy<Result>(
  counts: Map<string, number>,
  id: string,
  work: () => Promise<Result>,
): Promise<Result> {
  counts.set(id, (counts.get(id) ?? 0) + 1);
  try {
    return await work();
  } finally {
    const left = (counts.get(id) ?? 1) - 1;
    if (left === 0) counts.delete(id);
    else counts.set(id, left);
  }
}

/** What the home screen lists: the app, the engine, the worker, the datasets and their experiments. */
function homeHandlers(
  { context }: HandlerParts,
  engine: EngineDoctor,
): Pick<WorkbenchHandlers, 'getHome' | 'getEngineStatus' | 'listDatasets' | 'listExperiments'> {
  const appInfo = (): AppInfo => ({
    name: 'RTK Workbench',
    version: workbenchVersion,
    mode: context.mode,
    homeDirectory: context.homeDirectory,
    databaseSchemaVersion: context.store.database.schemaVersion,
  });
  return {
    getHome: () =>
      Promise.resolve({
        app: appInfo(),
        engine: engine.status,
        engineError: engine.error,
        worker: context.supervisor.state,
        datasets: context.store.datasets.list(),
        experiments: context.store.experiments.list(),
      }),
    getEngineStatus: async ({ refresh }) =>
      engine.status !== null && !refresh ? engine.status : engine.run(),
    listDatasets: () => Promise.resolve(context.store.datasets.list()),
    listExperiments: ({ datasetId }) => Promise.resolve(context.store.experiments.list(datasetId)),
  };
}

function datasetHandlers({
  context,
  events,
}: HandlerParts): Pick<
  WorkbenchHandlers,
  'importDataset' | 'cancelImport' | 'getDataset' | 'getDatasetThumbnails' | 'createDemoDataset'
> {
  let importsInFlight = 0;
  return {
    importDataset: async (request) => {
      importsInFlight += 1;
      try {
        return await importDatasetIntoStore(
          { ...context, supervisor: context.importSupervisor },
          request,
          (progress) => events.publish('onImportProgress', progress),
        );
      } finally {
        importsInFlight -= 1;
      }
    },
    cancelImport: () => {
      if (importsInFlight === 0) return Promise.resolve({ stopped: false });
      context.importSupervisor.stopAll();
      return Promise.resolve({ stopped: true });
    },
    getDataset: ({ id }) => {
      const dataset = context.store.datasets.get(id);
      if (dataset === undefined) return Promise.reject(new Error(`There is no dataset ${id}.`));
      const { cachePath, manifest, ...summary } = dataset;
      const healthFile = join(cachePath, manifest.healthFile);
      const health = parseHealthReport({ text: readFileSync(healthFile, 'utf8') }, healthFile);
      return Promise.resolve({ dataset: summary, manifest, health });
    },
    getDatasetThumbnails: ({ id }) => readDatasetThumbnails(context.store, id),
    createDemoDataset: async () =>
      (
        await ensureDemoDataset(
          {
            store: context.store,
            supervisor: context.importSupervisor,
            homeDirectory: context.homeDirectory,
          },
          demoDatasetRequests[context.demoSize ?? 'standard'],
        )
      ).dataset,
  };
}

/** The demo service is built over the finished handlers, so these reach it once it exists. */
function demoHandlers(demo: () => DemoService): Pick<WorkbenchHandlers, 'startDemo' | 'getDemo'> {
  return {
    startDemo: () => demo().start().ready,
    getDemo: () => Promise.resolve({ demo: demo().current }),
  };
}

function experimentHandlers({
  context,
  events,
  runQueue,
}: HandlerParts): Pick<
  WorkbenchHandlers,
  'estimateExperiment' | 'createExperiment' | 'getExperiment' | 'getExperimentResults'
> {
  return {
    estimateExperiment: ({ spec }) => Promise.resolve(estimateExperiment(context.store, spec)),
    createExperiment: ({ spec }) => {
      const details = createExperiment(context.store, spec);
      for (const run of details.runs) events.publish('onRunStatus', run);
      runQueue.pump();
      return Promise.resolve(details);
    },
    getExperiment: ({ id }) => Promise.resolve(requireExperimentDetails(context.store, id)),
    getExperimentResults: ({ id }) => Promise.resolve(experimentResults(context.store, id)),
  };
}

function runHandlers({
  context,
  runQueue,
}: HandlerParts): Pick<WorkbenchHandlers, 'listRuns' | 'getRun' | 'pauseRun' | 'resumeRun' | 'cancelRun'> {
  const requireRun = (id: string) => {
    const run = context.store.runs.get(id);
    if (run === undefined) throw new Error(`There is no run ${id}.`);
    return run;
  };
  return {
    listRuns: ({ experimentId }) =>
      Promise.resolve(
        experimentId === undefined
          ? context.store.runs.list()
          : context.store.runs.listOfExperiment(experimentId),
      ),
    getRun: ({ id }) => Promise.resolve({ run: requireRun(id), epochs: context.store.runs.epochs(id) }),
    pauseRun: ({ id }) => Promise.resolve(runQueue.pause(id)),
    resumeRun: ({ id }) => Promise.resolve(runQueue.resume(id)),
    cancelRun: ({ id }) => Promise.resolve(runQueue.cancel(id)),
  };
}

function exportHandlers(
  { context }: HandlerParts,
  exportsInFlight: Map<string, number>,
): Pick<WorkbenchHandlers, 'exportRun' | 'listExports' | 'openExportFolder' | 'profileModel'> {
  return {
    exportRun: (request) => whileBusy(exportsInFlight, request.runId, () => exportRun(context, request)),
    listExports: ({ runId }) => Promise.resolve(listExports(context, runId)),
    openExportFolder: async ({ id }) => {
      if (context.openFolder === undefined) {
        throw new Error('Only the desktop app can open a folder; copy the path instead.');
      }
      // Only folders the workbench wrote are opened, never a path the page chose.
      const record = context.store.exports.get(id);
      if (record === undefined) throw new Error(`There is no export ${id}.`);
      await context.openFolder(record.directory);
      return { opened: true };
    },
    profileModel: (request) => profileModel(context, request),
  };
}

/** Choosing a path: the native dialog in the desktop app, the path browser everywhere. */
function fileHandlers(context: ServicesContext): Pick<WorkbenchHandlers, 'pickPath' | 'browsePath'> {
  return {
    pickPath: async ({ kind }) => {
      if (context.pickPath === undefined) {
        throw new Error('Only the desktop app has a file dialog; type the path instead.');
      }
      return { path: await context.pickPath(kind) };
    },
    browsePath: (request) => browsePath(request, defaultBrowseRoots(context.extraBrowseRoots)),
  };
}

function teacherHandlers(
  { context, events }: HandlerParts,
  teacherImportsInFlight: Map<string, number>,
): Pick<WorkbenchHandlers, 'importTeacher' | 'listTeachers' | 'getTeacher'> {
  return {
    importTeacher: (request) =>
      whileBusy(teacherImportsInFlight, request.datasetId, () =>
        importTeacherIntoStore(context, request, (progress) =>
          events.publish('onTeacherImportProgress', progress),
        ),
      ),
    listTeachers: ({ datasetId }) =>
      Promise.resolve(context.store.teachers.list(datasetId).map((teacher) => teacher.record)),
    getTeacher: ({ id }) => Promise.resolve(requireTeacher(context.store, id)),
  };
}
