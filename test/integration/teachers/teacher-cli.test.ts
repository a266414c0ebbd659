import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TeacherRecord } from '../../../src-shared/contracts/teacher-types.js';
import { temporaryFolder } from '../../fixtures/datasets/temp.js';
import { runPythonScript } from '../../support/python.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const entry = join(root, 'src-main/cli/main.ts');
const folder = temporaryFolder('teacher-cli');
const home = join(folder.path, 'home');
const models = join(folder.path, 'models');
let torchTop1: { small: number; resnet8: number };
let datasetId = '';

/** Runs the real CLI (from its TypeScript source, through tsx) on the test's workbench home. */
function cli(...argumentList: string[]): { code: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, ['--import', 'tsx', entry, ...argumentList, '--home', home], {
    cwd: root,
    encoding: 'utf8',
    timeout: 300_000,
    env: { ...process.env, RTK_BACKEND: '' },
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

function importedTeacher(...argumentList: string[]): TeacherRecord {
  const result = cli('teacher', 'import', ...argumentList, '--json');
  expect(result.stderr).not.toMatch(/rtk-workbench teacher:/);
  expect(result.code).toBe(0);
  return JSON.parse(result.stdout) as TeacherRecord;
}

beforeAll(() => {
  // Teachers trained elsewhere: PyTorch on Debian's Fashion-MNIST, a few hundred steps each.
  torchTop1 = JSON.parse(
    runPythonScript('test/fixtures/python/train-fashion-teachers.py', [models], {
      timeoutMilliseconds: 900_000,
    }),
  ) as typeof torchTop1;
  const imported = cli('import', '/usr/share/datasets/fashion-mnist', '--json');
  expect(imported.code).toBe(0);
  datasetId = (JSON.parse(imported.stdout) as { dataset: { id: string } }).dataset.id;
}, 1_200_000);
afterAll(() => folder.remove());

describe('rtk-workbench teacher import (Fashion-MNIST models trained by PyTorch)', () => {
  it('imports an ONNX export with default axes and one with a dynamic batch, measured as PyTorch measures them', () => {
    for (const file of ['small-fixed.onnx', 'small-dynamic.onnx']) {
      const teacher = importedTeacher(
        join(models, file),
        '--dataset',
        datasetId.slice(0, 8),
        '--mean',
        '0.2860',
        '--std',
        '0.3530',
        '--name',
        file,
      );
      expect(teacher).toMatchObject({
        name: file,
        format: 'onnx',
        datasetId,
        backbone: null,
        classes: 10,
        layout: 'NCHW',
        inputShape: [1, 28, 28],
        batchSize: null,
        testImages: 10_000,
        contract: { preset: 'custom', scale: 1, mean: [0.286], std: [0.353], channelOrder: 'RGB' },
      });
      expect(teacher.taps.map((tap) => [tap.shape, tap.stage])).toEqual([
        [[28, 28, 16], 0],
        [[14, 14, 32], 1],
      ]);
      // The same 10,000 images, the same float32 network: PyTorch's count of right answers, to rounding.
      expect(Math.abs(teacher.testTop1 - torchTop1.small)).toBeLessThanOrEqual(0.05);
      expect(teacher.perClassTop1).toHaveLength(10);
    }
  });

  it('imports a RepDistiller-style resnet8 state_dict into the catalog backbone', () => {
    const teacher = importedTeacher(
      join(models, 'resnet8-fashion.pth'),
      '--dataset',
      datasetId,
      '--mean',
      '0.2860',
      '--std',
      '0.3530',
      '--scale',
      '1',
    );
    expect(teacher).toMatchObject({
      format: 'pytorch',
      backbone: 'resnet8',
      layout: 'NHWC',
      inputShape: [28, 28, 1],
    });
    expect(teacher.taps.map((tap) => tap.shape)).toEqual([
      [28, 28, 16],
      [14, 14, 32],
      [7, 7, 64],
    ]);
    expect(Math.abs(teacher.testTop1 - torchTop1.resnet8)).toBeLessThanOrEqual(0.05);
  });

  it('warns in words when the normalisation is wrong', () => {
    const teacher = importedTeacher(
      join(models, 'resnet8-fashion.pth'),
      '--dataset',
      datasetId,
      '--scale',
      '255',
      '--preset',
      'none',
    );
    expect(teacher.testTop1).toBeLessThan(torchTop1.resnet8 - 10);
    expect(teacher.warnings.join(' ')).toMatch(/check the normalisation or the class order/);
  });

  it('refuses a file that is no model, naming it, and adds nothing', () => {
    const notes = join(folder.path, 'notes.txt');
    writeFileSync(notes, 'not a model\n');
    const before = JSON.parse(cli('teachers', '--json').stdout) as TeacherRecord[];
    const result = cli('teacher', 'import', notes, '--dataset', datasetId);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      `${notes} is not an ONNX model, a PyTorch checkpoint (zip) or a safetensors file`,
    );
    expect(JSON.parse(cli('teachers', '--json').stdout)).toHaveLength(before.length);
    expect(readdirSync(join(home, 'teachers')).filter((name) => name.startsWith('.'))).toEqual([]);
  });

  it('lists and shows the teachers, and distils one into a catalog student with RTK', () => {
    const listed = JSON.parse(cli('teachers', '--json').stdout) as TeacherRecord[];
    expect(listed.map((teacher) => teacher.format).sort()).toEqual(['onnx', 'onnx', 'pytorch', 'pytorch']);
    const onnx = listed.find((teacher) => teacher.name === 'small-fixed.onnx');
    if (onnx === undefined) throw new Error('the ONNX teacher is not listed');
    const shown = cli('teacher', 'show', onnx.id.slice(0, 8));
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain('Feature taps (2):');
    expect(shown.stdout).toContain(`test top-1:   ${onnx.testTop1.toFixed(2)}%`);
    const spec = join(folder.path, 'spec.json');
    writeFileSync(
      spec,
      JSON.stringify({
        name: 'distil an imported teacher',
        datasetId,
        teacher: { source: 'imported', teacherId: onnx.id },
        student: { backbone: 'resnet8' },
        methods: ['rtk'],
        schedule: { epochs: 1, batchSize: 32 },
        seeds: [1],
        subset: { trainImages: 256, testImages: 128 },
      }),
    );
    const trained = cli('train', spec);
    expect(trained.code).toBe(0);
    expect(trained.stderr).toMatch(/RTK resnet8 seed 1: done/);
    expect(trained.stdout).toContain(
      `Teacher: imported small-fixed.onnx (onnx), best top-1 ${onnx.testTop1.toFixed(2)}%`,
    );
    expect(existsSync(join(home, 'teachers', onnx.id, 'teacher.onnx'))).toBe(true);
  });
});
