import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CallInput, CallName, CallResult } from '../../../src-shared/contracts/api.js';
import { workbenchCalls } from '../../../src-shared/contracts/api.js';
import { dispatchCall } from '../../../src-shared/contracts/dispatch.js';
import type { ExperimentSpecInput } from '../../../src-shared/domain/experiment-spec.js';
import { openWorkbenchHost, type WorkbenchHost } from '../../../src-main/services/workbench-host.js';
import { writeCifar10 } from '../../fixtures/datasets/cifar.js';
import { runPythonScript } from '../../support/python.js';

let host: WorkbenchHost;
let home = '';
let fixtures = '';
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

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), 'rtk-imported-teachers-'));
  fixtures = join(home, 'fixtures');
  runPythonScript('test/fixtures/python/make-teachers.py', [fixtures]);
  const cifar = writeCifar10(join(home, 'sources'), { perBatch: 20, batches: 1, testCount: 20 });
  host = openWorkbenchHost({ homeDirectory: join(home, 'workbench'), mode: 'lab', forcedBackend: 'wasm' });
  datasetId = (await call('importDataset', { source: cifar.folder })).dataset.id;
});

afterAll(async () => {
  await host.close();
});

function spec(teacher: ExperimentSpecInput['teacher']): ExperimentSpecInput {
  return {
    name: 'imported teacher',
    datasetId,
    teacher,
    student: { backbone: 'resnet8' },
    methods: ['rtk', 'kd'],
    schedule: { epochs: 1, batchSize: 16 },
    seeds: [1],
  };
}

describe('imported teachers through the API', () => {
  it('imports, lists and gets a teacher, and lets an experiment learn from some of its taps', async () => {
    const progress: string[] = [];
    const stop = host.services.events.subscribe((name, payload) => {
      if (name === 'onTeacherImportProgress') progress.push((payload as { phase: string }).phase);
    });
    const teacher = await call('importTeacher', {
      source: join(fixtures, 'resnet18.onnx'),
      datasetId,
      contract: { preset: 'imagenet' },
    }).finally(stop);
    expect(progress).toContain('measuring');
    expect(teacher.taps).toHaveLength(8);
    expect(await call('listTeachers', { datasetId })).toEqual([teacher]);
    expect(await call('getTeacher', { id: teacher.id })).toEqual(teacher);
    expect(existsSync(join(home, 'workbench', 'teachers', teacher.id, 'teacher.onnx'))).toBe(true);

    await expect(
      call('createExperiment', { spec: spec({ source: 'imported', teacherId: 'nobody' }) }),
    ).rejects.toThrow(/\$\.teacher\.teacherId: there is no imported teacher "nobody"/);
    await expect(
      call('createExperiment', { spec: spec({ source: 'imported', teacherId: teacher.id, taps: [1, 9] }) }),
    ).rejects.toThrow(/\$\.teacher\.taps: teacher "resnet18\.onnx" has taps 0 to 7; 9 do not exist/);

    const created = await call('createExperiment', {
      spec: spec({ source: 'imported', teacherId: teacher.id, taps: [1, 3, 5, 7] }),
    });
    // No teacher run: the imported teacher is not trained again; the students name it for lineage.
    expect(created.runs.map((run) => run.role)).toEqual(['student', 'student', 'student']);
    const lineage = host.store.database.connection
      .prepare('SELECT method, teacher_id FROM runs WHERE experiment_id = ? ORDER BY method')
      .all(created.experiment.id);
    expect(lineage).toEqual([
      { method: 'kd', teacher_id: teacher.id },
      { method: 'none', teacher_id: null },
      { method: 'rtk', teacher_id: teacher.id },
    ]);
    const results = await call('getExperimentResults', { id: created.experiment.id });
    expect(results.teacher).toEqual({
      runId: null,
      backbone: 'imported resnet18.onnx (onnx)',
      bestTop1: teacher.testTop1 / 100,
      lastTop1: teacher.testTop1 / 100,
    });
    // The settings RTK uses come from the four chosen taps of the imported teacher and resnet8's three:
    // β = 200 × 4 ÷ 3 and k = ⌈4 ÷ 3⌉ = 2, as Compare and the model card show them.
    const details = await call('getExperiment', { id: created.experiment.id });
    const rtk = new Map(details.hyperparameters.rtk?.map((entry) => [entry.key, entry]));
    expect(rtk.get('beta')).toMatchObject({ value: (200 * 4) / 3, source: 'derived' });
    expect(rtk.get('rtkK')).toMatchObject({ value: 2, shown: '2', source: 'derived' });
    expect(details.measurement.teacher).toEqual({
      source: 'imported',
      images: teacher.testImages,
      splitImages: 20,
    });
    for (const run of created.runs) await call('cancelRun', { id: run.id });
  });

  it('refuses a hostile checkpoint by name and leaves nothing in the store or the home', async () => {
    const before = await call('listTeachers', {});
    await expect(
      call('importTeacher', { source: join(fixtures, 'evil.pth'), datasetId, contract: {} }),
    ).rejects.toThrow(/evil\.pth: the pickle asks for posix\.system/);
    expect(await call('listTeachers', {})).toEqual(before);
    expect(readdirSync(join(home, 'workbench', 'teachers')).sort()).toEqual(
      before.map((teacher) => teacher.id).sort(),
    );
  });
});
