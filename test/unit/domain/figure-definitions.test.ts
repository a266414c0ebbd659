import { describe, expect, it } from 'vitest';
import {
  bestTestTop1Definition,
  definitionLine,
  exportedAccuracyDefinition,
  figureKeys,
  inAppAccuracyDefinition,
  lastTestTop1Definition,
  latencyDefinition,
  logitDifferenceDefinition,
  macsDefinition,
  modelFilesDefinition,
  parametersDefinition,
  parityImagesText,
  peakMemoryDefinition,
  perClassAccuracyDefinition,
  teacherAccuracyDefinition,
  testEvaluationOf,
  testTop1Definition,
  testTop5Definition,
  top1AgreementDefinition,
  weightSizeDefinition,
  gainDefinition,
} from '../../../src-shared/domain/figure-definitions.js';
import type { FigureDefinition } from '../../../src-shared/domain/figure-definitions.js';

function fact(definition: FigureDefinition, name: string): string | undefined {
  return definition.facts.find((entry) => entry.name === name)?.value;
}

const quick = { images: 500, splitImages: 10_000 };
const whole = { images: 10_000, splitImages: 10_000 };

describe('figure definitions', () => {
  it('apply an experiment’s test-image limit to the test split, never beyond it', () => {
    expect(testEvaluationOf(500, 10_000)).toEqual(quick);
    expect(testEvaluationOf(undefined, 10_000)).toEqual(whole);
    expect(testEvaluationOf(null, 40)).toEqual({ images: 40, splitImages: 40 });
    expect(testEvaluationOf(20_000, 10_000)).toEqual(whole);
  });

  it('say which split, how many of its images and which epoch a run’s accuracy uses', () => {
    const top1 = testTop1Definition(quick, 30);
    expect(top1.label).toBe('Test top-1');
    expect(fact(top1, 'Split')).toMatch(/^test/);
    expect(fact(top1, 'Images')).toBe(
      '500 of the 10,000 test images (the experiment’s test-image limit: the same fixed random subset for ' +
        'every run of the experiment)',
    );
    expect(fact(top1, 'Epoch')).toBe('the final one (epoch 30), whose weights are saved and exported');
    expect(fact(testTop1Definition(whole), 'Images')).toBe('all 10,000 test images');
    expect(fact(testTop1Definition(null), 'Images')).toBe('the test images of the run’s experiment');
    expect(fact(bestTestTop1Definition(quick), 'Epoch')).toBe('the best one');
    expect(bestTestTop1Definition(quick).definition).toMatch(/exported model is the final epoch/);
    expect(fact(lastTestTop1Definition(quick, { seeds: 3 }), 'Seeds')).toBe(
      'mean ± standard deviation over 3 seeds',
    );
    expect(fact(lastTestTop1Definition(quick, { seeds: 1 }), 'Seeds')).toBe('one seed');
    expect(fact(lastTestTop1Definition(quick), 'Seeds')).toBeUndefined();
    for (const definition of [
      testTop5Definition(quick),
      perClassAccuracyDefinition(quick),
      gainDefinition(quick),
    ])
      expect(fact(definition, 'Images')).toMatch(/^500 of the 10,000/);
  });

  it('tell a teacher trained here from one measured at import, and one nobody measured', () => {
    const trained = teacherAccuracyDefinition({ source: 'trained', evaluation: quick });
    expect(fact(trained, 'Images')).toMatch(/^500 of the 10,000/);
    expect(fact(trained, 'Teacher')).toBe('trained in this workbench');
    const imported = teacherAccuracyDefinition({ source: 'imported', images: 10_000, splitImages: 10_000 });
    expect(imported.definition).toMatch(/measured by the workbench when it was imported/);
    expect(fact(imported, 'Images')).toMatch(/^all 10,000 test images \(the students may use fewer/);
    expect(
      fact(teacherAccuracyDefinition({ source: 'imported', images: 300, splitImages: null }), 'Images'),
    ).toBe('300 test images');
    expect(teacherAccuracyDefinition({ source: 'unmeasured' }).facts).toEqual([]);
  });

  it('say whether parity ran on the run’s own test images, on part of them, or (old cards) on others', () => {
    expect(parityImagesText({ images: 500, runTestImages: 500 })).toBe(
      'the run’s 500 test images, the same as its Test top-1',
    );
    expect(parityImagesText({ images: 10_000, runTestImages: 26_032 })).toMatch(
      /^10,000 of the run’s 26,032 test images, evenly spread \(not all/,
    );
    expect(parityImagesText({ images: 1000 })).toMatch(/^1,000 test images \(an export of an older version/);
    const onnx = exportedAccuracyDefinition({ images: 500, runTestImages: 500 }, 'onnx');
    expect(fact(onnx, 'Engine')).toBe('ONNX Runtime (onnxruntime-node, CPU)');
    expect(fact(exportedAccuracyDefinition({ images: 5, runTestImages: 5 }, 'tfjs'), 'Engine')).toBe(
      'TensorFlow.js, reading the exported files',
    );
    expect(fact(inAppAccuracyDefinition({ images: 5, runTestImages: 5 }), 'Engine')).toBe(
      'TensorFlow.js in the workbench',
    );
    expect(top1AgreementDefinition({ images: 5 }, 'onnx').definition).toMatch(/float32 exports must agree/);
    expect(logitDifferenceDefinition({ images: 5 }, 'onnx', 1e-4).definition).toMatch(/at or below 0\.0001/);
  });

  it('carry a latency’s engine, model, batch, threads and runs from the measurement', () => {
    const measured = latencyDefinition(
      { engine: 'onnxruntime-node (cpu)', runs: 50, batchSize: 1, threads: 1, warmupRuns: 5 },
      'exported',
    );
    expect(measured.facts).toEqual([
      { name: 'Engine', value: 'onnxruntime-node (cpu)' },
      { name: 'Model', value: 'the exported files' },
      { name: 'Batch size', value: '1' },
      { name: 'Threads', value: '1 (one core)' },
      { name: 'Runs', value: 'median of 50 timed runs after 5 warm-up runs' },
    ]);
    const gpu = latencyDefinition(
      { engine: 'tfjs (webgpu)', runs: 60, batchSize: 1, threads: null, warmupRuns: 5 },
      'trained',
    );
    expect(fact(gpu, 'Threads')).toBe('chosen by the engine');
    expect(fact(gpu, 'Model')).toBe('the run’s trained model');
    // A card of an earlier version recorded neither threads nor warm-up runs.
    const old = latencyDefinition({ engine: 'tfjs (wasm)', runs: 50 }, 'exported');
    expect(fact(old, 'Threads')).toBe('not recorded');
    expect(fact(old, 'Runs')).toBe('median of 50 timed runs');
  });

  it('define the network figures: what is counted and at which size or precision', () => {
    expect(parametersDefinition().definition).toMatch(/running statistics are saved too but not counted/);
    expect(fact(macsDefinition([32, 32, 3]), 'Image')).toBe('32×32×3');
    expect(weightSizeDefinition('float32').label).toBe('Size (float32)');
    expect(weightSizeDefinition('float16').definition).toMatch(/^Every saved weight at 2 bytes each/);
    expect(weightSizeDefinition('uint8').definition).toMatch(/^Every saved weight at 1 byte each/);
    expect(fact(modelFilesDefinition('onnx', 'float32'), 'Format')).toBe('ONNX');
    expect(fact(peakMemoryDefinition(), 'Batch size')).toBe('1');
  });

  it('print as one line for the CLI and MODEL_CARD.md, facts in brackets', () => {
    expect(definitionLine(testTop1Definition(whole, 3))).toBe(
      'Test top-1: The share of test images whose most likely class, as the trained model predicts it, is the ' +
        'right one. (split: test (images never used for training); images: all 10,000 test images; epoch: the ' +
        'final one (epoch 3), whose weights are saved and exported)',
    );
    expect(definitionLine(teacherAccuracyDefinition({ source: 'unmeasured' }))).not.toMatch(/\(/);
  });

  it('key each definition by a figure the schema knows', () => {
    const keys = [
      testTop1Definition(quick),
      testTop5Definition(quick),
      bestTestTop1Definition(quick),
      lastTestTop1Definition(quick),
      perClassAccuracyDefinition(quick),
      gainDefinition(quick),
      teacherAccuracyDefinition({ source: 'unmeasured' }),
      inAppAccuracyDefinition({ images: 1 }),
      exportedAccuracyDefinition({ images: 1 }, 'onnx'),
      top1AgreementDefinition({ images: 1 }, 'onnx'),
      logitDifferenceDefinition({ images: 1 }, 'onnx', 1e-4),
      parametersDefinition(),
      macsDefinition(null),
      weightSizeDefinition('float32'),
      modelFilesDefinition('tfjs', 'uint8'),
      peakMemoryDefinition(),
      latencyDefinition({ engine: 'x', runs: 50 }, 'architecture'),
    ].map((definition) => definition.key);
    expect(keys.sort()).toEqual([...figureKeys].sort());
  });
});
