import type { AppMode, WorkerState } from '../../src-shared/contracts/domain-types.js';
import type { BackendName } from '../../src-shared/contracts/engine-status.js';
import type { ExperimentSummary } from '../../src-shared/contracts/domain-types.js';

/** Every sentence the user reads, in one place so wording stays consistent and can be translated later. */
export const strings = {
  app: {
    name: 'RTK Workbench',
    tagline: 'Compress image classifiers by knowledge distillation, on this machine.',
    loading: 'Opening the workbench…',
    loadFailedTitle: 'The workbench could not be opened',
    retry: 'Try again',
    modes: {
      desktop: 'Desktop',
      lab: 'Lab mode (browser)',
    } satisfies Record<AppMode, string>,
    versionLabel: (version: string) => `Version ${version}`,
    homeFolder: 'Workbench folder',
    homeFolderHint: 'Datasets, runs, checkpoints and exports are kept here.',
  },
  engine: {
    title: 'Compute engine',
    checking: 'Checking which compute engine this machine can use…',
    checkingHint: 'The first check loads each backend in turn and takes a few seconds.',
    checkAgain: 'Check again',
    checkingButton: 'Checking…',
    failedTitle: 'The compute engine could not be checked',
    runningOn: 'Training runs on',
    backends: {
      'tensorflow-gpu': 'TensorFlow on the GPU (CUDA)',
      tensorflow: 'TensorFlow, native on the CPU',
      wasm: 'WebAssembly on the CPU',
      cpu: 'Plain JavaScript on the CPU',
    } satisfies Record<BackendName, string>,
    backendNotes: {
      'tensorflow-gpu': 'The fastest option: training uses the graphics card.',
      tensorflow: 'Fast CPU training with the native TensorFlow library.',
      wasm: 'A portable CPU engine: fine for small models and the demo, slower for large ones.',
      cpu: 'The slowest engine, used only when nothing else loads.',
    } satisfies Record<BackendName, string>,
    forced: (backend: string) => `Chosen by the backend setting (${backend}).`,
    whyNotFaster: 'Why not a faster engine',
    skipped: 'not used',
    facts: 'This machine',
    wasmSimd: 'WebAssembly SIMD',
    wasmThreads: 'WebAssembly threads',
    processor: 'Processor',
    cores: (count: number) => `${count} ${count === 1 ? 'core' : 'cores'}`,
    memory: 'Memory',
    memoryValue: (free: string, total: string) => `${free} free of ${total}`,
    tfjsVersion: 'TensorFlow.js',
    checkedAt: 'Checked',
    yes: 'Yes',
    no: 'No',
  },
  worker: {
    label: 'Compute worker',
    states: {
      starting: 'Starting',
      ready: 'Ready',
      crashed: 'Stopped unexpectedly',
      stopped: 'Stopped',
    } satisfies Record<WorkerState['state'], string>,
    process: (pid: number) => `process ${pid}`,
    restarts: (count: number) => `restarted ${count} ${count === 1 ? 'time' : 'times'}`,
    lastCrash: 'Last crash',
  },
  datasets: {
    title: 'Datasets',
    emptyTitle: 'No datasets yet',
    emptyBody:
      'A dataset is a set of labelled images, split into training and test images. Import one from a folder of ' +
      'images or a CIFAR, SVHN or MNIST-style file on this machine; nothing is uploaded.',
    importAction: 'Import a dataset',
    notYetAvailable: 'Dataset import arrives in the next update of the workbench.',
    columns: {
      name: 'Name',
      format: 'Format',
      imageSize: 'Image size',
      classes: 'Classes',
      train: 'Training images',
      test: 'Test images',
      added: 'Added',
    },
    imageSize: (width: number, height: number, channels: number) => `${width} × ${height} × ${channels}`,
  },
  experiments: {
    title: 'Experiments',
    emptyTitle: 'No experiments yet',
    emptyBody:
      'An experiment distils a large teacher network into a small student and compares RTK with AFD, AT, KD and ' +
      'training without a teacher. The demo runs a small one end to end.',
    demoAction: 'Try the demo',
    notYetAvailable: 'The demo arrives in the next update of the workbench.',
    columns: {
      name: 'Name',
      dataset: 'Dataset',
      status: 'Status',
      runs: 'Runs',
      updated: 'Updated',
    },
    statuses: {
      draft: 'Draft',
      queued: 'Queued',
      running: 'Running',
      paused: 'Paused',
      done: 'Done',
      failed: 'Failed',
      cancelled: 'Cancelled',
    } satisfies Record<ExperimentSummary['status'], string>,
  },
  errors: {
    unreachable: 'The workbench did not answer. Is it still running?',
    badAnswer: (channel: string, status: number) =>
      `The workbench sent an answer to ${channel} that is not a workbench reply (HTTP ${status}).`,
  },
} as const;
