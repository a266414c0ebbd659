import type { WorkbenchHandlers } from '../../src-shared/contracts/api.js';
import type { AppInfo, AppMode } from '../../src-shared/contracts/domain-types.js';
import type { BackendName, EngineStatus } from '../../src-shared/contracts/engine-status.js';
import type { WorkerSupervisor } from '../jobs/worker-supervisor.js';
import type { WorkbenchStore } from '../store/workbench-store.js';
import { EventBus } from './event-bus.js';
import { workbenchVersion } from './version.js';

/** What the services need from the process that hosts them. */
export interface ServicesContext {
  readonly store: WorkbenchStore;
  readonly supervisor: WorkerSupervisor;
  readonly homeDirectory: string;
  readonly mode: AppMode;
  readonly forcedBackend: BackendName | null;
}

/** The use cases behind every call of the contract, and the event stream they publish to. */
export interface WorkbenchServices {
  readonly handlers: WorkbenchHandlers;
  readonly events: EventBus;
  /** Runs doctor once so the first screen has the engine status; failures are kept as the engine error. */
  warmUp(): Promise<void>;
}

/** Builds the services over a store and a worker supervisor. */
export function createWorkbenchServices(context: ServicesContext): WorkbenchServices {
  const events = new EventBus();
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
  };

  return {
    handlers,
    events,
    warmUp: async () => {
      try {
        await runDoctor();
      } catch {
        // The error is kept in engineError and shown on the home screen.
      }
    },
  };
}
