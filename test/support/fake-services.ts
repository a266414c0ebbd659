import { vi } from 'vitest';
import type { Mock } from 'vitest';
import type { HomeData, WorkbenchHandlers } from '../../src-shared/contracts/api.js';
import type { EngineStatus } from '../../src-shared/contracts/engine-status.js';
import { EventBus } from '../../src-main/services/event-bus.js';
import type { DemoService } from '../../src-main/services/demo-service.js';
import type { RunQueue } from '../../src-main/services/run-queue.js';
import type { WorkbenchServices } from '../../src-main/services/workbench-services.js';

export const sampleEngineStatus: EngineStatus = {
  chosenBackend: 'wasm',
  forcedBackend: null,
  attempts: [
    {
      name: 'tensorflow-gpu',
      label: 'TensorFlow (CUDA GPU)',
      loaded: false,
      chosen: false,
      reason: 'not installed',
    },
    {
      name: 'wasm',
      label: 'WebAssembly',
      loaded: true,
      chosen: true,
      reason: 'loaded and passed its self-test',
    },
  ],
  wasmSimd: true,
  wasmThreads: 2,
  cpuCores: 2,
  cpuModel: 'test CPU',
  totalMemoryBytes: 1,
  freeMemoryBytes: 1,
  platform: 'linux x64',
  nodeVersion: '20',
  tfjsVersion: '4.22.0',
  checkedAt: '2026-01-01T00:00:00.000Z',
};

export const sampleHome: HomeData = {
  app: {
    name: 'RTK Workbench',
    version: '0.0.0',
    mode: 'lab',
    homeDirectory: '/tmp/home',
    databaseSchemaVersion: 1,
  },
  engine: sampleEngineStatus,
  engineError: null,
  worker: { state: 'ready', pid: 1, restarts: 0, lastCrash: null },
  datasets: [],
  experiments: [],
};

type SpyHandlers = { [Name in keyof WorkbenchHandlers]: Mock<WorkbenchHandlers[Name]> };

/** Services whose handlers are spies returning fixed data, so tests can see whether they ran. */
export function createFakeServices(): WorkbenchServices & { handlers: SpyHandlers } {
  const handlers: SpyHandlers = {
    getHome: vi.fn<WorkbenchHandlers['getHome']>(() => Promise.resolve(sampleHome)),
    getEngineStatus: vi.fn<WorkbenchHandlers['getEngineStatus']>(() => Promise.resolve(sampleEngineStatus)),
    listDatasets: vi.fn<WorkbenchHandlers['listDatasets']>(() => Promise.resolve([])),
    listExperiments: vi.fn<WorkbenchHandlers['listExperiments']>(() => Promise.resolve([])),
    importDataset: vi.fn<WorkbenchHandlers['importDataset']>(() =>
      Promise.reject(new Error('not in this fake')),
    ),
    getDataset: vi.fn<WorkbenchHandlers['getDataset']>(() => Promise.reject(new Error('not in this fake'))),
    cancelImport: vi.fn<WorkbenchHandlers['cancelImport']>(() => Promise.resolve({ stopped: false })),
    getDatasetThumbnails: vi.fn<WorkbenchHandlers['getDatasetThumbnails']>(() =>
      Promise.reject(new Error('not in this fake')),
    ),
    createDemoDataset: vi.fn<WorkbenchHandlers['createDemoDataset']>(() =>
      Promise.reject(new Error('not in this fake')),
    ),
    startDemo: vi.fn<WorkbenchHandlers['startDemo']>(() => Promise.reject(new Error('not in this fake'))),
    getDemo: vi.fn<WorkbenchHandlers['getDemo']>(() => Promise.resolve({ demo: null })),
    estimateExperiment: vi.fn<WorkbenchHandlers['estimateExperiment']>(() =>
      Promise.reject(new Error('not in this fake')),
    ),
    createExperiment: vi.fn<WorkbenchHandlers['createExperiment']>(() =>
      Promise.reject(new Error('not in this fake')),
    ),
    getExperiment: vi.fn<WorkbenchHandlers['getExperiment']>(() =>
      Promise.reject(new Error('not in this fake')),
    ),
    getExperimentResults: vi.fn<WorkbenchHandlers['getExperimentResults']>(() =>
      Promise.reject(new Error('not in this fake')),
    ),
    listRuns: vi.fn<WorkbenchHandlers['listRuns']>(() => Promise.resolve([])),
    getRun: vi.fn<WorkbenchHandlers['getRun']>(() => Promise.reject(new Error('not in this fake'))),
    pauseRun: vi.fn<WorkbenchHandlers['pauseRun']>(() => Promise.reject(new Error('not in this fake'))),
    resumeRun: vi.fn<WorkbenchHandlers['resumeRun']>(() => Promise.reject(new Error('not in this fake'))),
    cancelRun: vi.fn<WorkbenchHandlers['cancelRun']>(() => Promise.reject(new Error('not in this fake'))),
    exportRun: vi.fn<WorkbenchHandlers['exportRun']>(() => Promise.reject(new Error('not in this fake'))),
    listExports: vi.fn<WorkbenchHandlers['listExports']>(() => Promise.resolve([])),
    pickPath: vi.fn<WorkbenchHandlers['pickPath']>(() => Promise.resolve({ path: null })),
    browsePath: vi.fn<WorkbenchHandlers['browsePath']>(() => Promise.reject(new Error('not in this fake'))),
    openExportFolder: vi.fn<WorkbenchHandlers['openExportFolder']>(() =>
      Promise.reject(new Error('not in this fake')),
    ),
    profileModel: vi.fn<WorkbenchHandlers['profileModel']>(() =>
      Promise.reject(new Error('not in this fake')),
    ),
    importTeacher: vi.fn<WorkbenchHandlers['importTeacher']>(() =>
      Promise.reject(new Error('not in this fake')),
    ),
    listTeachers: vi.fn<WorkbenchHandlers['listTeachers']>(() => Promise.resolve([])),
    getTeacher: vi.fn<WorkbenchHandlers['getTeacher']>(() => Promise.reject(new Error('not in this fake'))),
    describeDeletion: vi.fn<WorkbenchHandlers['describeDeletion']>(() =>
      Promise.reject(new Error('not in this fake')),
    ),
    deleteDataset: vi.fn<WorkbenchHandlers['deleteDataset']>(() =>
      Promise.reject(new Error('not in this fake')),
    ),
    renameDataset: vi.fn<WorkbenchHandlers['renameDataset']>(() =>
      Promise.reject(new Error('not in this fake')),
    ),
    deleteExperiment: vi.fn<WorkbenchHandlers['deleteExperiment']>(() =>
      Promise.reject(new Error('not in this fake')),
    ),
    renameExperiment: vi.fn<WorkbenchHandlers['renameExperiment']>(() =>
      Promise.reject(new Error('not in this fake')),
    ),
    deleteRun: vi.fn<WorkbenchHandlers['deleteRun']>(() => Promise.reject(new Error('not in this fake'))),
    deleteExport: vi.fn<WorkbenchHandlers['deleteExport']>(() =>
      Promise.reject(new Error('not in this fake')),
    ),
    renameExport: vi.fn<WorkbenchHandlers['renameExport']>(() =>
      Promise.reject(new Error('not in this fake')),
    ),
    deleteTeacher: vi.fn<WorkbenchHandlers['deleteTeacher']>(() =>
      Promise.reject(new Error('not in this fake')),
    ),
    renameTeacher: vi.fn<WorkbenchHandlers['renameTeacher']>(() =>
      Promise.reject(new Error('not in this fake')),
    ),
  };
  const fakeQueue = {} as RunQueue;
  const fakeDemo = {} as DemoService;
  return {
    handlers,
    events: new EventBus(),
    runQueue: fakeQueue,
    demo: fakeDemo,
    claimHome: () => ({ claimed: true, replaced: null }),
    releaseHome: () => undefined,
    warmUp: () => Promise.resolve(),
    whenSwept: () => Promise.resolve(),
  };
}
