import type { HomeData, WorkbenchApi } from '../../src-shared/contracts/api.js';
import type {
  AppInfo,
  DatasetSummary,
  ExperimentSummary,
  WorkerState,
} from '../../src-shared/contracts/domain-types.js';
import type { EngineStatus } from '../../src-shared/contracts/engine-status.js';

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * What the home screen shows: loaded in one call, then kept current by the engine and worker events. The
 * engine status may be missing at first while doctor still runs; it is then fetched (joining that run).
 */
export class HomeState {
  loading = $state(true);
  loadError = $state<string | null>(null);
  app = $state.raw<AppInfo | null>(null);
  engine = $state.raw<EngineStatus | null>(null);
  engineError = $state<string | null>(null);
  engineChecking = $state(false);
  worker = $state.raw<WorkerState | null>(null);
  datasets = $state.raw<readonly DatasetSummary[]>([]);
  experiments = $state.raw<readonly ExperimentSummary[]>([]);

  constructor(private readonly api: WorkbenchApi) {}

  /** Listens for engine and worker changes and for deletions and renames; returns the function that stops listening. */
  listen(): () => void {
    const stopEngine = this.api.onEngineStatus((status) => {
      this.engine = status;
      this.engineError = null;
    });
    const stopWorker = this.api.onWorkerState((state) => {
      this.worker = state;
    });
    // Deleted or renamed datasets and experiments: the lists show the store as it is now.
    const stopChanges = this.api.onWorkbenchChanged(() => void this.load());
    return () => {
      stopEngine();
      stopWorker();
      stopChanges();
    };
  }

  /** Loads the home data, then the engine status if doctor had not finished yet. */
  async load(): Promise<void> {
    this.loading = true;
    this.loadError = null;
    let home: HomeData;
    try {
      home = await this.api.getHome();
    } catch (error) {
      this.loadError = messageOf(error);
      this.loading = false;
      return;
    }
    this.app = home.app;
    this.engine ??= home.engine;
    this.engineError = this.engine === null ? home.engineError : null;
    this.worker = home.worker;
    this.datasets = home.datasets;
    this.experiments = home.experiments;
    this.loading = false;
    if (this.engine === null && this.engineError === null) await this.checkEngine(false);
  }

  /** Asks for the engine status; `refresh` runs doctor again even when a status is known. */
  async checkEngine(refresh: boolean): Promise<void> {
    if (this.engineChecking) return;
    this.engineChecking = true;
    try {
      this.engine = await this.api.getEngineStatus({ refresh });
      this.engineError = null;
    } catch (error) {
      this.engineError = messageOf(error);
    } finally {
      this.engineChecking = false;
    }
  }
}
