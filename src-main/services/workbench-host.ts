import type { AppMode } from '../../src-shared/contracts/domain-types.js';
import type { BackendName } from '../../src-shared/contracts/engine-status.js';
import { forkWorkerLauncher } from '../jobs/worker-process.js';
import type { WorkerLauncher } from '../jobs/worker-process.js';
import { WorkerSupervisor } from '../jobs/worker-supervisor.js';
import { openWorkbenchStore } from '../store/workbench-store.js';
import type { WorkbenchStore } from '../store/workbench-store.js';
import { createWorkbenchServices } from './workbench-services.js';
import type { WorkbenchServices } from './workbench-services.js';

/** Everything a headless workbench process (CLI, lab server, tests) runs: store, worker, services. */
export interface WorkbenchHost {
  readonly store: WorkbenchStore;
  readonly supervisor: WorkerSupervisor;
  /** The worker that runs imports; its process starts with the first import. */
  readonly importSupervisor: WorkerSupervisor;
  readonly services: WorkbenchServices;
  close(): Promise<void>;
}

/** How to open a headless workbench. */
export interface WorkbenchHostOptions {
  readonly homeDirectory: string;
  readonly mode: AppMode;
  readonly forcedBackend: BackendName | null;
  readonly launcher?: WorkerLauncher;
}

/** Opens the store in the home directory, with the compute worker and the import worker under child_process.fork. */
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
  });
  return {
    store,
    supervisor,
    importSupervisor,
    services,
    close: async () => {
      await Promise.all([supervisor.shutdown(), importSupervisor.shutdown()]);
      store.close();
    },
  };
}
