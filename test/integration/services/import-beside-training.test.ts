import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CallInput, CallName, CallResult } from '../../../src-shared/contracts/api.js';
import { workbenchCalls } from '../../../src-shared/contracts/api.js';
import { dispatchCall } from '../../../src-shared/contracts/dispatch.js';
import { openWorkbenchHost } from '../../../src-main/services/workbench-host.js';
import type { WorkbenchHost } from '../../../src-main/services/workbench-host.js';
import { writeCifar10 } from '../../fixtures/datasets/cifar.js';

// Installed by Debian's dataset-fashion-mnist package: 70,000 images, long enough to be stopped midway.
const fashionMnist = '/usr/share/datasets/fashion-mnist';

let host: WorkbenchHost;
let home = '';
let datasetId = '';

/** Calls the API the way both transports do: validated by the contract, then the handler. */
async function call<Name extends CallName>(
  name: Name,
  argumentsValue: CallInput<Name>,
): Promise<CallResult<Name>> {
  const outcome = await dispatchCall(host.services.handlers, workbenchCalls[name].channel, argumentsValue);
  if (!outcome.ok) throw new Error(outcome.error.message);
  return outcome.result;
}

/** Resolves with the first event of `name` whose payload passes `test`. */
function nextEvent<Payload>(name: string, test: (payload: Payload) => boolean): Promise<Payload> {
  return new Promise((resolve) => {
    const unsubscribe = host.services.events.subscribe((eventName, payload) => {
      if (eventName === name && test(payload as Payload)) {
        unsubscribe();
        resolve(payload as Payload);
      }
    });
  });
}

interface BatchProgress {
  readonly runId: string;
  readonly phase: string;
  readonly epoch: number;
  readonly batch: number;
}

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), 'rtk-import-beside-'));
  const fixture = writeCifar10(mkdtempSync(join(tmpdir(), 'rtk-cifar-')), {
    perBatch: 24,
    batches: 5,
    testCount: 40,
  });
  host = openWorkbenchHost({ homeDirectory: home, mode: 'lab', forcedBackend: 'wasm' });
  datasetId = (await call('importDataset', { source: fixture.folder })).dataset.id;
  host.services.claimHome('serve', 'the import-beside-training test');
});

afterAll(async () => {
  await host.close();
});

describe('imports run on their own worker, beside training', () => {
  it('finishes an import while a run trains, and stopping another import leaves the run training', async () => {
    const created = await call('createExperiment', {
      spec: {
        name: 'long run',
        datasetId,
        teacher: { source: 'train', backbone: 'resnet8' },
        student: { backbone: 'resnet8' },
        // The student alone needs no teacher: one run, of far more epochs than the test waits for.
        methods: ['none'],
        schedule: { epochs: 500, batchSize: 32, learningRate: 0.05 },
        seeds: [1],
      },
    });
    const [training] = created.runs;
    if (training === undefined || created.runs.length !== 1) throw new Error('expected one run');
    const isTraining = (progress: BatchProgress): boolean =>
      progress.runId === training.id && progress.phase === 'training';
    await nextEvent<BatchProgress>('onRunProgress', isTraining);

    const other = writeCifar10(mkdtempSync(join(tmpdir(), 'rtk-cifar-other-')), {
      perBatch: 10,
      batches: 2,
      testCount: 10,
      seed: 77,
    });
    const imported = await call('importDataset', { source: other.folder, name: 'imported while training' });
    expect(imported.dataset.name).toBe('imported while training');
    expect(host.store.runs.get(training.id)?.status).toBe('running');
    expect(host.services.runQueue.activeRunId).toBe(training.id);

    const reading = nextEvent<{ phase: string }>(
      'onImportProgress',
      (progress) => progress.phase === 'reading',
    );
    const stopped = call('importDataset', { source: fashionMnist }).catch((error: unknown) => error);
    await reading;
    await expect(call('cancelImport', {})).resolves.toEqual({ stopped: true });
    const error = await stopped;
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toContain('was cancelled; nothing was written');
    expect(host.store.datasets.list().map((dataset) => dataset.name)).not.toContain('fashion-mnist');
    expect(readdirSync(join(home, 'datasets')).filter((name) => name.startsWith('.'))).toEqual([]);

    const before = host.store.runs.get(training.id);
    expect(before?.status).toBe('running');
    const later = await nextEvent<BatchProgress>('onRunProgress', isTraining);
    expect(later.runId).toBe(training.id);
    expect(host.supervisor.state.pid).not.toBe(host.importSupervisor.state.pid);

    for (const run of created.runs) await call('cancelRun', { id: run.id });
    await host.services.runQueue.whenIdle();
  });

  it('has the Debian Fashion-MNIST files the test above stops midway', () => {
    expect(existsSync(join(fashionMnist, 'train-images-idx3-ubyte.gz'))).toBe(true);
  });
});
