import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { formatDataBenchmark, formatEngineBenchmark } from '../../../../src-main/cli/commands/bench.js';
import { judgeDataBenchmark } from '../../../../src-main/engine/bench/data-targets.js';
import { runEngineBenchmark } from '../../../../src-main/engine/bench/engine-benchmark.js';
import { wasmThreadsEnvironmentVariable } from '../../../../src-main/engine/backends/wasm-threads.js';

describe('runEngineBenchmark', () => {
  it('times every step kind on the wasm backend without leaking tensors', async () => {
    await tf.setBackend('cpu');
    const lines: string[] = [];
    const report = await runEngineBenchmark({
      backends: ['wasm'],
      batchSize: 2,
      warmupSteps: 1,
      measuredSteps: 1,
      networks: { teacher: 'resnet8', students: ['resnet8'], trainingOnly: ['mobilenetv2-0.5'] },
      ratioPairs: 2,
      assemblyBatches: 5,
      log: (line) => lines.push(line),
    });

    // On wasm the trainer runs the teacher in ONNX Runtime, so the bench times it both ways.
    expect(report.backends).toEqual([
      {
        name: 'wasm',
        measured: true,
        reason: 'measured',
        teacherEngine: expect.stringMatching(/^ONNX Runtime \(CPU, \d+ threads?\)$/) as unknown,
      },
    ]);
    const kinds = report.measurements.map((entry) => `${entry.kind}:${entry.method ?? '-'}`);
    expect(kinds).toEqual([
      'teacher-inference:-',
      'teacher-inference:-',
      'student-training:-',
      'student-training:-',
      'distillation-step:none',
      'distillation-step:kd',
      'distillation-step:at',
      'distillation-step:afd',
      'distillation-step:rtk',
      'distillation-step:rtk',
      'batch-assembly:-',
    ]);
    for (const entry of report.measurements) {
      expect(entry.images).toBe(entry.steps * entry.batchSize);
      expect(entry.wallSeconds).toBeGreaterThan(0);
      expect(entry.cpuSeconds).toBeGreaterThanOrEqual(0);
      expect(entry.imagesPerSecond).toBeGreaterThan(0);
      expect(entry.imagesPerCpuSecond).toBeGreaterThan(0);
      expect(entry.memoryAfter.numTensors).toBe(entry.memoryBefore.numTensors);
    }
    const tensorflowMeasurements = report.measurements.filter((entry) => entry.backend === 'wasm');
    expect(tensorflowMeasurements).toHaveLength(10);
    expect(report.measurements[3]?.what).toBe('mobilenetv2-0.5 training');
    expect(report.settings.trainingOnly).toEqual(['mobilenetv2-0.5']);
    // The same teacher network once more, imported as an ONNX graph with its taps found in the graph.
    expect(report.measurements[9]?.what).toMatch(/^resnet8 \(imported ONNX\) → .*, rtk step$/);
    expect(report.measurements[1]?.what).toMatch(/^resnet8 inference with tap summaries, ONNX Runtime/);
    for (const entry of tensorflowMeasurements) expect(entry.memoryBefore.numBytes).toBeGreaterThan(0);

    const assembly = report.measurements.at(-1);
    expect(assembly?.steps).toBe(5);
    expect(assembly?.target?.met).toBe((assembly?.imagesPerSecond ?? 0) >= 20_000);

    expect(report.ratios).toHaveLength(1);
    const ratio = report.ratios[0];
    expect(ratio?.student).toBe('resnet8');
    expect(ratio?.pairs).toBe(2);
    expect(ratio?.wallRatio).toBeGreaterThan(0);
    expect(ratio?.cpuRatio).toBeGreaterThan(0);
    expect(ratio?.met).toBe((ratio?.cpuRatio ?? Infinity) <= 1.15);
    expect(tf.getBackend()).toBe('cpu');
    expect(lines.some((line) => line.includes('resnet8 → resnet8, rtk step'))).toBe(true);

    const table = formatEngineBenchmark(report);
    expect(table).toContain('resnet8 → resnet8, afd step');
    expect(table).toContain('rtk/kd step (CPU)');
    expect(table).toContain('training rate only: mobilenetv2-0.5');
    expect(table).toContain('wasm: the distillation steps ran the teacher in ONNX Runtime (CPU, ');
  });

  it('reports a backend that cannot be started instead of failing', async () => {
    // Batch assembly is timed whatever happens to the backends; it reads tensor counts from the active one.
    await tf.setBackend('cpu');
    // A bad thread count stops every backend from starting, on any machine.
    const previous = process.env[wasmThreadsEnvironmentVariable];
    process.env[wasmThreadsEnvironmentVariable] = 'many';
    try {
      const report = await runEngineBenchmark({
        backends: ['cpu'],
        batchSize: 2,
        warmupSteps: 0,
        measuredSteps: 1,
        networks: { teacher: 'resnet8', students: ['resnet8'] },
        assemblyBatches: 2,
      });
      expect(report.backends).toEqual([
        {
          name: 'cpu',
          measured: false,
          reason: "The RTK_WASM_THREADS variable is 'many'; it must be a whole number from 1 to 8.",
        },
      ]);
      expect(report.measurements.map((entry) => entry.kind)).toEqual(['batch-assembly']);
      expect(formatEngineBenchmark(report)).toContain(
        "cpu: not measured (The RTK_WASM_THREADS variable is 'many'",
      );
    } finally {
      if (previous === undefined) delete process.env[wasmThreadsEnvironmentVariable];
      else process.env[wasmThreadsEnvironmentVariable] = previous;
    }
  });

  it('rejects step counts that cannot be timed', async () => {
    await expect(
      runEngineBenchmark({ backends: ['cpu'], batchSize: 0, warmupSteps: 0, measuredSteps: 1 }),
    ).rejects.toThrow('batchSize must be a whole number ≥ 1, found 0.');
  });
});

describe('judgeDataBenchmark', () => {
  it('compares the import figures with the targets', () => {
    const rows = judgeDataBenchmark({
      fashionMnist: null,
      cifar10: { seconds: 12.5, cpuSeconds: 9 },
      pngFolder: { seconds: 1.5, cpuSeconds: 1.2, count: 3000, perSecond: 2000 },
    });
    expect(rows.map((row) => row.met)).toEqual([null, false, true]);
    expect(rows[1]?.measured).toBe('12.50 s (CPU 9.00 s)');
    expect(
      formatDataBenchmark({
        figures: {
          fashionMnist: null,
          cifar10: { seconds: 1, cpuSeconds: 1 },
          pngFolder: { seconds: 1, cpuSeconds: 1, count: 10, perSecond: 10 },
        },
        rows,
      }),
    ).toContain('not measured');
  });
});
