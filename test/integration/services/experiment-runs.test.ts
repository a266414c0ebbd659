import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { EpochRecord, RunSummary } from '../../../src-shared/contracts/run-types.js';
import type { ExperimentSpecInput } from '../../../src-shared/domain/experiment-spec.js';
import type { CallInput, CallName, CallResult } from '../../../src-shared/contracts/api.js';
import { workbenchCalls } from '../../../src-shared/contracts/api.js';
import { dispatchCall } from '../../../src-shared/contracts/dispatch.js';
import { createExperiment, ExperimentSpecError } from '../../../src-main/services/experiments-service.js';
import { writeLayersModel } from '../../../src-main/engine/export/layers-model-files.js';
import { openWorkbenchHost } from '../../../src-main/services/workbench-host.js';
import type { WorkbenchHost } from '../../../src-main/services/workbench-host.js';
import { writeCifar10 } from '../../fixtures/datasets/cifar.js';

let host: WorkbenchHost;
let home = '';
let datasetId: string;

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), 'rtk-experiments-'));
  const fixture = writeCifar10(mkdtempSync(join(tmpdir(), 'rtk-cifar-')), {
    perBatch: 24,
    batches: 5,
    testCount: 40,
  });
  host = openWorkbenchHost({ homeDirectory: home, mode: 'lab', forcedBackend: 'wasm' });
  const imported = await call('importDataset', { source: fixture.folder });
  datasetId = imported.dataset.id;
  host.services.claimHome('serve', 'the experiment-runs test');
});

/** Calls the API the way both transports do: validated by the contract, then the handler. */
async function call<Name extends CallName>(
  name: Name,
  argumentsValue: CallInput<Name>,
): Promise<CallResult<Name>> {
  const outcome = await dispatchCall(host.services.handlers, workbenchCalls[name].channel, argumentsValue);
  if (!outcome.ok) throw new Error(outcome.error.message);
  return outcome.result;
}

afterAll(async () => {
  await host.close();
});

function spec(name: string, methods: ExperimentSpecInput['methods']): ExperimentSpecInput {
  return {
    name,
    datasetId,
    teacher: { source: 'train', backbone: 'resnet8', epochs: 1 },
    student: { backbone: 'resnet8' },
    methods,
    schedule: {
      epochs: 3,
      batchSize: 32,
      learningRate: 0.05,
      learningRateSchedule: { kind: 'cosine', minimum: 0 },
    },
    seeds: [7],
    // 30 of the fixture's 40 test images: every figure of the experiment and its exports uses the same 30.
    subset: { testImages: 30 },
  };
}

function withoutTimings(records: readonly EpochRecord[]) {
  return records.map(({ seconds: _seconds, imagesPerSecond: _speed, ...rest }) => rest);
}

function runOf(runs: readonly RunSummary[], method: string, role = 'student'): RunSummary {
  const run = runs.find((candidate) => candidate.method === method && candidate.role === role);
  if (run === undefined) throw new Error(`no ${role} run for ${method}`);
  return run;
}

describe('experiments and runs', () => {
  let uninterrupted: readonly EpochRecord[] = [];
  let rtkRunId = '';
  let uninterruptedTeacher: readonly EpochRecord[] = [];

  it('expands an experiment into teacher + methods × seeds runs, trains them in order and reports results', async () => {
    const jobs = vi.spyOn(host.supervisor, 'run');
    const created = await call('createExperiment', { spec: spec('uninterrupted', ['rtk']) });
    expect(created.runs.map((run) => [run.role, run.method])).toEqual([
      ['teacher', 'none'],
      ['student', 'none'],
      ['student', 'rtk'],
    ]);
    await host.services.runQueue.whenIdle();
    // Each run trains in its own folder of the home, and a CIFAR-10 run flips (the spec leaves it at 'auto').
    const sent = jobs.mock.calls.map(([job]) => job).filter((job) => job.type === 'train-run');
    jobs.mockRestore();
    expect(sent.map((job) => job.runId)).toEqual(created.runs.map((run) => run.id));
    for (const job of sent) {
      expect(job.checkpointDirectory).toBe(join(home, 'runs', job.runId, 'checkpoint'));
      expect(job.modelDirectory).toBe(join(home, 'runs', job.runId, 'model'));
      expect(job.augmentation).toEqual({ randomCrop: true, padding: 4, horizontalFlip: true });
      expect(host.store.runs.latestCheckpoint(job.runId)?.path).toBe(job.checkpointDirectory);
    }
    const details = await call('getExperiment', { id: created.experiment.id });
    expect(details.runs.map((run) => run.status)).toEqual(['done', 'done', 'done']);
    expect(details.experiment.status).toBe('done');
    const rtk = await call('getRun', { id: runOf(details.runs, 'rtk').id });
    expect(rtk.epochs.map((record) => record.epoch)).toEqual([1, 2, 3]);
    expect(rtk.epochs[0]?.selection).toHaveLength(3);
    uninterrupted = rtk.epochs;
    const results = await call('getExperimentResults', { id: created.experiment.id });
    expect(results.methods.map((method) => method.method)).toEqual(['none', 'rtk']);
    const rtkResult = results.methods.find((method) => method.method === 'rtk');
    expect(rtkResult?.best?.count).toBe(1);
    expect(rtkResult?.best?.std).toBe(0);
    expect(rtkResult?.gainBest).toBeCloseTo(
      (rtkResult?.best?.mean ?? 0) - (results.methods[0]?.best?.mean ?? 0),
      10,
    );
    expect(rtkResult?.perClassDelta).toHaveLength(10);
    expect(results.teacher?.bestTop1).not.toBeNull();
    rtkRunId = runOf(details.runs, 'rtk').id;
    // resnet8 teacher and student have 3 taps each: β = 200 × 3 ÷ 3 and k = ⌈3 ÷ 3⌉ by RTK's rules.
    expect(details.hyperparameters.rtk?.map((entry) => [entry.key, entry.value, entry.source])).toEqual([
      ['beta', 200, 'derived'],
      ['qkDim', 128, 'default'],
      ['temperature', 4, 'default'],
      ['kdWeight', 0.9, 'default'],
      ['rtkSelection', 'topk', 'default'],
      ['rtkK', 1, 'derived'],
      ['rtkDistance', 'normalized', 'default'],
    ]);
    expect(details.measurement).toEqual({
      test: { images: 30, splitImages: 40 },
      teacher: { source: 'trained', evaluation: { images: 30, splitImages: 40 } },
    });
    expect(host.store.models.list().find((model) => model.runId === rtkRunId)).toMatchObject({
      source: 'run',
      backbone: 'resnet8',
      parameterCount: 78_042,
      path: expect.stringMatching(/runs\/[0-9a-f-]+\/model$/) as string,
    });
    const logged = host.store.database.connection
      .prepare('SELECT message FROM event_log WHERE subject_id = ? ORDER BY id')
      .all(rtkRunId) as { message: string }[];
    expect(logged.map((event) => event.message)).toEqual(['running', 'done']);
    uninterruptedTeacher = (await call('getRun', { id: runOf(details.runs, 'none', 'teacher').id })).epochs;
  });

  it('exports the trained RTK student to ONNX and TFJS, each verified against the in-app model', async () => {
    const outputs = mkdtempSync(join(tmpdir(), 'rtk-exports-'));
    for (const format of ['onnx', 'tfjs'] as const) {
      const exported = await call('exportRun', {
        runId: rtkRunId,
        outDirectory: join(outputs, format),
        format,
      });
      const { parity, training } = exported.card;
      expect(Object.keys(parity).length).toBeGreaterThan(0);
      for (const figures of Object.values(parity)) {
        expect(figures.maxAbsLogitDifference).toBeLessThanOrEqual(1e-4);
        expect(figures.top1Agreement).toBe(1);
      }
      // The run's figure, the card's and the exported accuracy are measured on the same 30 test images, so
      // they are one number: the export's images are the run's, not another sample of the test split.
      const run = host.store.runs.get(rtkRunId);
      expect(run?.lastTestTop1).not.toBeNull();
      expect(training.testTop1).toBe(run?.lastTestTop1);
      expect(training.testEvaluation).toEqual({ images: 30, splitImages: 40 });
      for (const figures of Object.values(parity)) {
        expect(figures).toMatchObject({ images: 30, runTestImages: 30 });
        expect(figures.inAppAccuracy).toBe(run?.lastTestTop1);
        expect(figures.exportedAccuracy).toBe(run?.lastTestTop1);
      }
      expect(training.resolvedHyperparameters?.find((entry) => entry.key === 'beta')?.value).toBe(200);
      expect(training.hyperparameters).toMatchObject({ beta: 200, rtkK: 1, temperature: 4 });
      expect(training.teacherAccuracy?.top1).toBe(host.store.runs.get(run?.teacherRunId ?? '')?.lastTestTop1);
      expect(readdirSync(exported.directory)).toEqual(
        expect.arrayContaining(['model-card.json', 'MODEL_CARD.md', 'index.html']),
      );
    }
    expect((await call('listExports', { runId: rtkRunId })).map((record) => record.format).sort()).toEqual([
      'onnx',
      'tfjs',
    ]);
    await expect(
      call('exportRun', { runId: rtkRunId, outDirectory: join(outputs, 'onnx'), format: 'onnx' }),
    ).rejects.toThrow(/not empty/);
  });

  it('survives kill -9 of the worker in epoch 2: the run is interrupted, resumes and ends exactly as uninterrupted', async () => {
    const created = await call('createExperiment', { spec: spec('killed', ['rtk']) });
    const killedRunId = runOf(created.runs, 'rtk').id;
    let killed = false;
    const unsubscribe = host.services.events.subscribe((name, payload) => {
      if (name !== 'onRunProgress' || killed) return;
      const progress = payload as { runId: string; phase: string; epoch: number; batch: number };
      if (
        progress.runId === killedRunId &&
        progress.phase === 'training' &&
        progress.epoch === 2 &&
        progress.batch >= 2
      ) {
        killed = true;
        process.kill(host.supervisor.state.pid ?? 0, 'SIGKILL');
      }
    });
    await host.services.runQueue.whenIdle();
    unsubscribe();
    expect(killed).toBe(true);
    const interrupted = host.store.runs.get(killedRunId);
    expect(interrupted?.status).toBe('interrupted');
    expect(interrupted?.error).toMatch(/killed by SIGKILL/);
    expect(interrupted?.epochsDone).toBe(1);
    await call('resumeRun', { id: killedRunId });
    await host.services.runQueue.whenIdle();
    const resumed = await call('getRun', { id: killedRunId });
    expect(resumed.run.status).toBe('done');
    expect(withoutTimings(resumed.epochs)).toEqual(withoutTimings(uninterrupted));
  });

  it('pauses a running run, resumes it, cancels a queued one and refuses to resume a finished run', async () => {
    const created = await call('createExperiment', { spec: spec('controls', ['kd', 'at']) });
    const teacherId = runOf(created.runs, 'none', 'teacher').id;
    const atId = runOf(created.runs, 'at').id;
    await call('cancelRun', { id: atId });
    expect(host.store.runs.get(atId)?.status).toBe('cancelled');
    const paused = new Promise<void>((resolve) => {
      const unsubscribe = host.services.events.subscribe((name, payload) => {
        // The earliest progress event (while the worker prepares), so that the pause reaches even a run
        // whose batches now take a few milliseconds before it ends.
        const progress = payload as { runId: string };
        if (name === 'onRunProgress' && progress.runId === teacherId) {
          unsubscribe();
          void call('pauseRun', { id: teacherId }).then(() => resolve());
        }
      });
    });
    await paused;
    await host.services.runQueue.whenIdle();
    expect(host.store.runs.get(teacherId)?.status).toBe('paused');
    expect(host.store.runs.get(teacherId)?.epochsDone).toBe(0);
    await call('resumeRun', { id: teacherId });
    await host.services.runQueue.whenIdle();
    const details = await call('getExperiment', { id: created.experiment.id });
    expect(Object.fromEntries(details.runs.map((run) => [`${run.role}:${run.method}`, run.status]))).toEqual({
      'teacher:none': 'done',
      'student:none': 'done',
      'student:kd': 'done',
      'student:at': 'cancelled',
    });
    // Paused and resumed (from the batch it reached, if any), the teacher ends as the uninterrupted one did.
    expect(withoutTimings((await call('getRun', { id: teacherId })).epochs)).toEqual(
      withoutTimings(uninterruptedTeacher),
    );
    await expect(call('resumeRun', { id: teacherId })).rejects.toThrow(
      /is done; only a paused, interrupted or failed run can be resumed/,
    );
    await expect(call('resumeRun', { id: 'no-such-run' })).rejects.toThrow(/There is no run no-such-run/);
  });

  it('fails a run whose checkpoint cannot be written, with the reason, and keeps the store consistent', async () => {
    const created = await call('createExperiment', { spec: spec('unwritable', ['kd']) });
    const teacherId = runOf(created.runs, 'none', 'teacher').id;
    // A file where the run's folder belongs makes every checkpoint write fail, as an unwritable home would.
    mkdirSync(join(home, 'runs'), { recursive: true });
    writeFileSync(join(home, 'runs', teacherId), 'not a folder');
    await host.services.runQueue.whenIdle();
    const teacher = host.store.runs.get(teacherId);
    expect(teacher?.status).toBe('failed');
    expect(teacher?.error).toMatch(/runs\/[0-9a-f-]+/);
    expect(teacher?.epochsDone).toBe(0);
    expect(host.store.runs.epochs(teacherId)).toEqual([]);
    expect(host.store.runs.latestCheckpoint(teacherId)).toBeUndefined();
    expect(host.store.runs.get(runOf(created.runs, 'kd').id)).toMatchObject({
      status: 'failed',
      error: expect.stringMatching(/Its teacher run .* ended failed/) as string,
    });
    expect(host.store.runs.get(runOf(created.runs, 'none').id)?.status).toBe('done');
    expect((await call('getExperiment', { id: created.experiment.id })).experiment.status).toBe('failed');
  });

  it('distils with KD from an imported TFJS classifier that is not a workbench backbone, and refuses RTK from it', async () => {
    const model = tf.sequential({
      name: 'someone-elses-classifier',
      layers: [
        tf.layers.conv2d({
          inputShape: [32, 32, 3],
          filters: 4,
          kernelSize: 3,
          strides: 2,
          activation: 'relu',
        }),
        tf.layers.globalAveragePooling2d({}),
        tf.layers.dense({ units: 10 }),
      ],
    });
    const folder = mkdtempSync(join(tmpdir(), 'rtk-imported-teacher-'));
    await writeLayersModel(model, join(folder, 'teacher'), { precision: 'float32', replace: false });
    model.dispose();
    const modelJsonPath = join(folder, 'teacher', 'model.json');
    const imported = (methods: ExperimentSpecInput['methods']): ExperimentSpecInput => ({
      ...spec('imported teacher', methods),
      teacher: { source: 'import', modelJsonPath },
    });
    expect(() => createExperiment(host.store, imported(['rtk']))).toThrow(
      /RTK need the teacher's feature maps, which only an RTK Workbench backbone exposes; this model \("someone-elses-classifier"\) can teach with KD only/,
    );
    const created = await call('createExperiment', { spec: imported(['kd']) });
    expect(host.store.models.list().find((stored) => stored.source === 'import')).toMatchObject({
      path: modelJsonPath,
      backbone: null,
      classCount: 10,
    });
    expect(created.runs.map((run) => [run.role, run.method])).toEqual([
      ['student', 'none'],
      ['student', 'kd'],
    ]);
    await host.services.runQueue.whenIdle();
    const kd = (await call('getRun', { id: runOf(created.runs, 'kd').id })).run;
    expect(kd.status).toBe('done');
    expect(kd.error).toBeNull();
    expect((await call('getRun', { id: kd.id })).epochs.every((record) => record.trainKd > 0)).toBe(true);
  });

  it('refuses an invalid spec, listing every problem with its JSON path', () => {
    const invalid = { ...spec('bad', ['rtk']), student: { backbone: 'resnet9' }, seeds: [1, 1] };
    expect(() => createExperiment(host.store, invalid)).toThrow(ExperimentSpecError);
    expect(() => createExperiment(host.store, invalid)).toThrow(
      /\$\.student\.backbone: .*resnet9[\s\S]*\n {2}- \$\.seeds: seeds must not repeat/,
    );
    expect(() =>
      createExperiment(host.store, { ...spec('no dataset', ['rtk']), datasetId: 'missing' }),
    ).toThrow(/\$\.datasetId: there is no dataset "missing"/);
  });
});
