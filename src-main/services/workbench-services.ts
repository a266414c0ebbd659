import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { WorkbenchHandlers } from '../../src-shared/contracts/api.js';
import type { AppInfo, AppMode } from '../../src-shared/contracts/domain-types.js';
import type { BackendName, EngineStatus } from '../../src-shared/contracts/engine-status.js';
import type { WorkerSupervisor } from '../jobs/worker-supervisor.js';
import type { WorkbenchStore } from '../store/workbench-store.js';
import { ensureDemoDataset } from '../engine/data/demo-dataset.js';
import { readDatasetThumbnails } from './dataset-thumbnails.js';
import { importDatasetIntoStore } from './datasets-service.js';
import { EventBus } from './event-bus.js';
import { exportRun, listExports, profileModel } from './exports-service.js';
import { createExperiment, experimentResults, requireExperimentDetails } from './experiments-service.js';
import { estimateExperiment } from './experiment-estimate.js';
import { RunQueue } from './run-queue.js';
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
}

/** The use cases behind every call of the contract, and the event stream they publish to. */
export interface WorkbenchServices {
  readonly handlers: WorkbenchHandlers;
  readonly events: EventBus;
  readonly runQueue: RunQueue;
  /**
   * Marks runs a dead process left running as interrupted and starts the queue. Only the process that owns
   * the workbench (desktop app, lab server, a training CLI command) calls it.
   */
  startQueue(): void;
  /** Runs doctor once so the first screen has the engine status; failures are kept as the engine error. */
  warmUp(): Promise<void>;
}

/** Builds the services over a store and a worker supervisor. */
export function createWorkbenchServices(context: ServicesContext): WorkbenchServices {
  const events = new EventBus();
  const runQueue = new RunQueue(
    context.store,
    context.supervisor,
    events,
    context.homeDirectory,
    context.forcedBackend,
  );
  const requireRun = (id: string) => {
    const run = context.store.runs.get(id);
    if (run === undefined) throw new Error(`There is no run ${id}.`);
    return run;
  };
  let importsInFlight = 0;
  let engineStatus: EngineStatus | null = null;
  let engineError: string | null = null;
  let doctorInFlight: Promise<EngineStatus> | null = null;

  context.supervisor.on('state', (state) => events.publish('onWorkerState', state));

  const runDoctor = (): Promise<EngineStatus> => {
    doctorInFlight ??= context.supervisor
      .run({ type: 'doctor', forcedBackend: context.forcedBackend })
      .then((status) => {
        engineStatus = status;
        engineError = null;
        events.publish('onEngineStatus', status);
        return status;
      })
      .catch((error: unknown) => {
        engineError = error instanceof Error ? error.message : String(error);
        throw error;
      })
      .finally(() => {
        doctorInFlight = null;
      });
    return doctorInFlight;
  };

  const appInfo = (): AppInfo => ({
    name: 'RTK Workbench',
    version: workbenchVersion,
    mode: context.mode,
    homeDirectory: context.homeDirectory,
    databaseSchemaVersion: context.store.database.schemaVersion,
  });

  const handlers: WorkbenchHandlers = {
    getHome: () =>
      Promise.resolve({
        app: appInfo(),
        engine: engineStatus,
        engineError,
        worker: context.supervisor.state,
        datasets: context.store.datasets.list(),
        experiments: context.store.experiments.list(),
      }),
    getEngineStatus: async ({ refresh }) => (engineStatus !== null && !refresh ? engineStatus : runDoctor()),
    listDatasets: () => Promise.resolve(context.store.datasets.list()),
    listExperiments: ({ datasetId }) => Promise.resolve(context.store.experiments.list(datasetId)),
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
      const { cachePath, manifestJson, ...summary } = dataset;
      const manifest = JSON.parse(manifestJson) as { healthFile?: string };
      const health: unknown = JSON.parse(
        readFileSync(join(cachePath, manifest.healthFile ?? 'health.json'), 'utf8'),
      );
      return Promise.resolve({ dataset: summary, manifest, health });
    },
    getDatasetThumbnails: ({ id }) => readDatasetThumbnails(context.store, id),
    createDemoDataset: async () => (await ensureDemoDataset(context.store, context.homeDirectory)).dataset,
    estimateExperiment: ({ spec }) => Promise.resolve(estimateExperiment(context.store, spec)),
    createExperiment: ({ spec }) => {
      const details = createExperiment(context.store, spec);
      for (const run of details.runs) events.publish('onRunStatus', run);
      runQueue.pump();
      return Promise.resolve(details);
    },
    getExperiment: ({ id }) => Promise.resolve(requireExperimentDetails(context.store, id)),
    getExperimentResults: ({ id }) => Promise.resolve(experimentResults(context.store, id)),
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
    exportRun: (request) => exportRun(context, request),
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
    pickPath: async ({ kind }) => {
      if (context.pickPath === undefined) {
        throw new Error('Only the desktop app has a file dialog; type the path instead.');
      }
      return { path: await context.pickPath(kind) };
    },
  };

  return {
    handlers,
    events,
    runQueue,
    startQueue: () => {
      runQueue.recoverAbandonedRuns();
      runQueue.pump();
    },
    warmUp: async () => {
      try {
        await runDoctor();
      } catch {
        // The error is kept in engineError and shown on the home screen.
      }
    },
  };
}
