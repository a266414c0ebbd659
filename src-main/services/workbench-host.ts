import type { AppMode } from '../../src-shared/contracts/domain-types.js';
import type { BackendName } from '../../src-shared/contracts/engine-status.js';
import { forkWorkerLauncher } from '../jobs/worker-process.js';
import type { WorkerLauncher } from '../jobs/worker-process.js';
import { WorkerSupervisor } from '../jobs/worker-supervisor.js';
import { openWorkbenchStore } from '../store/workbench-store.js';
import type { WorkbenchStore } from '../store/workbench-store.js';
import { createWorkbenchServices } from './workbench-services.js';
import type { ServicesContext, WorkbenchServices } from './workbench-services.js';

/** Everything a workbench process (desktop app, CLI, lab server, tests) runs: store, worker, services. */
export interface WorkbenchHost {
  readonly store: WorkbenchStore;
  readonly supervisor: WorkerSupervisor;
  /** The worker that runs imports; its process starts with the first import. */
  readonly importSupervisor: WorkerSupervisor;
  readonly services: WorkbenchServices;
  close(): Promise<void>;
}

/** How to open a workbench. */
export interface WorkbenchHostOptions {
  readonly homeDirectory: string;
  readonly mode: AppMode;
  readonly forcedBackend: BackendName | null;
  /** How the compute worker is started; child_process.fork unless given (the app's is a utilityProcess). */
  readonly launcher?: WorkerLauncher;
  readonly openFolder?: ServicesContext['openFolder'];
  readonly pickPath?: ServicesContext['pickPath'];
  /** Folders the lab-mode path browser may list besides the default ones. */
  readonly extraBrowseRoots?: readonly string[];
  /** The size of the home button's demo. */
  readonly demoSize?: ServicesContext['demoSize'];
}

/** Opens the store in the home directory, with the compute worker and the import worker (child_process.fork unless a launcher is given). */
export function openWorkbenchHost(options: WorkbenchHostOptions): WorkbenchHost {
  const store = openWorkbenchStore(options.homeDirectory);
  const supervisor = new WorkerSupervisor(options.launcher ?? forkWorkerLauncher());
  const importSupervisor = new WorkerSupervisor(options.launcher ?? forkWorkerLauncher());
  const services = createWorkbenchServices({
    store,
    supervisor,
    importSupervisor,
    homeDirectory: options.homeDirectory,
    mode: options.mode,
    forcedBackend: options.forcedBackend,
    ...(options.openFolder === undefined ? {} : { openFolder: options.openFolder }),
    ...(options.pickPath === undefined ? {} : { pickPath: options.pickPath }),
    ...(options.extraBrowseRoots === undefined ? {} : { extraBrowseRoots: options.extraBrowseRoots }),
    ...(options.demoSize === undefined ? {} : { demoSize: options.demoSize }),
  });
  return {
    store,
    supervisor,
    importSupervisor,
    services,
    close: async () => {
      services.runQueue.stopServing();
      try {
        await Promise.all([supervisor.shutdown(), importSupervisor.shutdown(), services.whenSwept()]);
      } finally {
        // Given up only once the worker is gone, so a run still settling here is never taken for abandoned.
        services.releaseHome();
        store.close();
      }
    },
  };
}
