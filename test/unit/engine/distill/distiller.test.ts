import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { MethodHyperparameters } from '../../../../src-shared/domain/method-catalog.js';
import { AttentionModule, afdFeatureLoss } from '../../../../src-main/engine/distill/attention-module.js';
import { channelMeans, energyMap } from '../../../../src-main/engine/distill/attention-map.js';
import {
  createDistiller,
  type Distiller,
  type TeacherBatch,
} from '../../../../src-main/engine/distill/distiller.js';
import type { BackboneOutputs, FeatureTap } from '../../../../src-main/engine/models/types.js';
import { Random } from '../../../../src-main/engine/train/random.js';
import { attentionTransferLinks } from '../../../../src-shared/domain/attention-transfer-links.js';

type Image = number[][][];

const batch = 2;
const qkDim = 2;
const teacherTaps: FeatureTap[] = [
  { index: 0, name: 't0', stage: 0, shape: [2, 2, 1] },
  // Same channel count as t0: the two share one projection run, so its stacked layout is checked too.
  { index: 1, name: 't1', stage: 1, shape: [1, 2, 1] },
];
const studentTaps: FeatureTap[] = [
  { index: 0, name: 's0', stage: 0, shape: [2, 2, 2] },
  { index: 1, name: 's1', stage: 1, shape: [1, 1, 1] },
];

function images(tap: FeatureTap, random: Random): Image[] {
  const [height, width, channels] = tap.shape;
  return Array.from({ length: batch }, () =>
    Array.from({ length: height }, () =>
      Array.from({ length: width }, () => Array.from({ length: channels }, () => random.nextNormal())),
    ),
  );
}

const random = new Random(42);
const teacherValues = teacherTaps.map((tap) => images(tap, random));
const studentValues = studentTaps.map((tap) => images(tap, random));
const teacherLogits = [
  [1, 0, -1],
  [0.5, 2, 0],
];
const studentLogits = [
  [0, 1, 0.5],
  [-1, 0, 1],
];
const labels = [2, 1];

/** A batch whose teacher part holds everything any method reads: logits, taps and their summaries. */
function batchOf(): { student: BackboneOutputs; teacher: TeacherBatch; labels: tf.Tensor1D } {
  const taps = teacherValues.map((values) => tf.tensor4d(values));
  return {
    student: { taps: studentValues.map((values) => tf.tensor4d(values)), logits: tf.tensor2d(studentLogits) },
    teacher: {
      logits: tf.tensor2d(teacherLogits),
      taps,
      channelMeans: taps.map(channelMeans),
      energyMaps: taps.map(energyMap),
    },
    labels: tf.tensor1d(labels, 'int32'),
  };
}

/** Gives every module variable fixed, distinct values (running statistics too) and returns them by name. */
function fixWeights(distiller: Distiller): Map<string, number[]> {
  const fixed = new Map<string, number[]>();
  distiller.variables.forEach(({ name, variable }, variableIndex) => {
    const values = Array.from({ length: variable.size }, (_, index) => {
      if (name.endsWith('moving_variance')) return 1 + 0.1 * ((index + variableIndex) % 3);
      return Math.sin(1.3 * index + 0.7 * variableIndex) * 0.8;
    });
    variable.assign(tf.tensor(values, variable.shape));
    fixed.set(name, values);
  });
  return fixed;
}

// Plain-arithmetic reference of method.md §2, written independently of the tensor code.
const epsilon = 1e-5;
const sum = (values: number[]): number => values.reduce((total, value) => total + value, 0);
const mean = (values: number[]): number => sum(values) / values.length;
const normalize = (values: number[]): number[] => {
  const length = Math.max(Math.sqrt(sum(values.map((value) => value * value))), 1e-12);
  return values.map((value) => value / length);
};
const softmax = (values: number[]): number[] => {
  const exponentials = values.map((value) => Math.exp(value - Math.max(...values)));
  return exponentials.map((value) => value / sum(exponentials));
};
const globalMean = (image: Image): number[] =>
  (image[0]?.[0] ?? []).map((_, channel) =>
    mean(image.flatMap((row) => row.map((pixel) => pixel[channel] ?? 0))),
  );
const energy = (image: Image): number[] =>
  image.flatMap((row) => row.map((pixel) => mean(pixel.map((value) => value * value))));
const attention = (image: Image): number[] => normalize(energy(image));

function pool(map: number[], from: readonly [number, number], to: readonly [number, number]): number[] {
  const window = (index: number, size: number, target: number): number[] => {
    const start = Math.floor((index * size) / target);
    const end = Math.ceil(((index + 1) * size) / target);
    return Array.from({ length: end - start }, (_, offset) => start + offset);
  };
  const output: number[] = [];
  for (let row = 0; row < to[0]; row += 1) {
    for (let column = 0; column < to[1]; column += 1) {
      const cells = window(row, from[0], to[0]).flatMap((inputRow) =>
        window(column, from[1], to[1]).map((inputColumn) => map[inputRow * from[1] + inputColumn] ?? 0),
      );
      output.push(mean(cells));
    }
  }
  return output;
}

/**
 * BatchNorm as the reference applies it: over running statistics, or over the batch statistics of the rows
 * given together (biased variance), as in training.
 */
type Statistics = 'running' | 'batch';

function reference(
  weights: Map<string, number[]>,
  statistics: Statistics = 'running',
): {
  logits: number[][][];
  distances: number[][][];
  afd: number;
  afdAttention: number[][];
} {
  const weight = (name: string): number[] => {
    const values = weights.get(name);
    if (values === undefined) throw new Error(`no weight ${name}`);
    return values;
  };
  // A run of consecutive taps with one channel count shares stacked variables named after its first and
  // last tap: kernel (taps, C, d), bias (taps, 1, d) and BatchNorm parameters over taps × d, tap-major.
  const projectionOf = (prefix: string, taps: readonly FeatureTap[], index: number) => {
    let first = index;
    while (first > 0 && taps[first - 1]?.shape[2] === taps[index]?.shape[2]) first -= 1;
    let last = index;
    while (last + 1 < taps.length && taps[last + 1]?.shape[2] === taps[index]?.shape[2]) last += 1;
    const name = `${prefix}-${first}-${last}`;
    const channels = taps[index]?.shape[2] ?? 0;
    const member = index - first;
    const slice = (suffix: string, size: number): number[] =>
      weight(`${name}/${suffix}`).slice(member * size, (member + 1) * size);
    return {
      kernel: slice('dense/kernel', channels * qkDim),
      bias: slice('dense/bias', qkDim),
      gamma: slice('batch-norm/gamma', qkDim),
      beta: slice('batch-norm/beta', qkDim),
      movingMean: slice('batch-norm/moving_mean', qkDim),
      movingVariance: slice('batch-norm/moving_variance', qkDim),
    };
  };
  type Projection = ReturnType<typeof projectionOf>;
  const dense = (input: number[], kernel: number[], bias: number[]): number[] =>
    bias.map(
      (offset, output) =>
        offset + sum(input.map((value, row) => value * (kernel[row * bias.length + output] ?? 0))),
    );
  const batchNorm = (rows: number[][], parameters: Omit<Projection, 'kernel' | 'bias'>): number[][] => {
    const column = (index: number): number[] => rows.map((row) => row[index] ?? 0);
    const width = rows[0]?.length ?? 0;
    const means = Array.from({ length: width }, (_, index) =>
      statistics === 'running' ? (parameters.movingMean[index] ?? 0) : mean(column(index)),
    );
    const variances = Array.from({ length: width }, (_, index) =>
      statistics === 'running'
        ? (parameters.movingVariance[index] ?? 0)
        : mean(column(index).map((value) => (value - (means[index] ?? 0)) ** 2)),
    );
    return rows.map((row) =>
      row.map(
        (value, index) =>
          ((value - (means[index] ?? 0)) / Math.sqrt((variances[index] ?? 0) + epsilon)) *
            (parameters.gamma[index] ?? 0) +
          (parameters.beta[index] ?? 0),
      ),
    );
  };
  /** Projects one input per row; the rows are normalised together. */
  const project = (inputs: number[][], projection: Projection): number[][] =>
    batchNorm(
      inputs.map((input) => dense(input, projection.kernel, projection.bias)),
      projection,
    );
  const samples = Array.from({ length: batch }, (_, sample) => sample);
  // [tap][sample] vectors: each tap's projection normalises over the samples of the batch.
  const teacherVectorsByTap = teacherTaps.map((_, t) =>
    project(
      samples.map((sample) => globalMean(teacherValues[t]?.[sample] ?? [])),
      projectionOf('teacher-projections', teacherTaps, t),
    ),
  );
  const studentVectorsByTap = studentTaps.map((_, s) =>
    project(
      samples.map((sample) => globalMean(studentValues[s]?.[sample] ?? [])),
      projectionOf('student-projections', studentTaps, s),
    ).map((vector) => vector.map((value) => Math.max(value, 0))),
  );
  const bilinearProjection: Projection = {
    kernel: weight('bilinear/dense/kernel'),
    bias: weight('bilinear/dense/bias'),
    gamma: weight('bilinear/batch-norm/gamma'),
    beta: weight('bilinear/batch-norm/beta'),
    movingMean: weight('bilinear/batch-norm/moving_mean'),
    movingVariance: weight('bilinear/batch-norm/moving_variance'),
  };
  const logits: number[][][] = [];
  const distances: number[][][] = [];
  const afdAttention = studentTaps.map(() => teacherTaps.map(() => 0));
  let afd = 0;
  // The bilinear map normalises over every (sample, student tap) row of the batch together.
  const bilinearRows = project(
    samples.flatMap((sample) => studentTaps.map((_, s) => studentVectorsByTap[s]?.[sample] ?? [])),
    bilinearProjection,
  );
  for (let sample = 0; sample < batch; sample += 1) {
    const teacherVectors = teacherTaps.map((_, t) => teacherVectorsByTap[t]?.[sample] ?? []);
    const bilinear = bilinearRows.slice(sample * studentTaps.length, (sample + 1) * studentTaps.length);
    const teacherEmbedding = weight('teacher-embedding');
    const studentEmbedding = weight('student-embedding');
    const sampleLogits = studentTaps.map((_, s) =>
      teacherTaps.map((__, t) => {
        let product = 0;
        for (let q = 0; q < qkDim; q += 1) {
          product += (bilinear[s]?.[t * qkDim + q] ?? 0) * (teacherVectors[t]?.[q] ?? 0);
          product += (studentEmbedding[s * qkDim + q] ?? 0) * (teacherEmbedding[t * qkDim + q] ?? 0);
        }
        return product / Math.sqrt(qkDim);
      }),
    );
    const sampleDistances = studentTaps.map((studentTap, s) =>
      teacherTaps.map((teacherTap, t) => {
        const teacherMap = attention(teacherValues[t]?.[sample] ?? []);
        const studentMap = normalize(
          pool(
            energy(studentValues[s]?.[sample] ?? []),
            [studentTap.shape[0], studentTap.shape[1]],
            [teacherTap.shape[0], teacherTap.shape[1]],
          ),
        );
        return mean(studentMap.map((value, index) => (value - (teacherMap[index] ?? 0)) ** 2));
      }),
    );
    teacherTaps.forEach((_, t) => {
      const weights = softmax(studentTaps.map((__, s) => sampleLogits[s]?.[t] ?? 0));
      weights.forEach((alpha, s) => {
        afd += (alpha * (sampleDistances[s]?.[t] ?? 0)) / batch;
        const row = afdAttention[s];
        if (row !== undefined) row[t] = (row[t] ?? 0) + alpha;
      });
    });
    logits.push(sampleLogits);
    distances.push(sampleDistances);
  }
  return { logits, distances, afd, afdAttention };
}

const created: Distiller[] = [];
function distillerFor(hyperparameters: MethodHyperparameters, seed = 5): Distiller {
  const distiller = createDistiller({ hyperparameters, teacherTaps, studentTaps, seed });
  created.push(distiller);
  return distiller;
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

afterEach(() => {
  for (const distiller of created.splice(0)) distiller.dispose();
});

const afd: MethodHyperparameters = { method: 'afd', beta: 200, qkDim, temperature: 4, kdWeight: 0.9 };
const rtk = (
  overrides: Partial<Extract<MethodHyperparameters, { method: 'rtk' }>>,
): MethodHyperparameters => ({
  method: 'rtk',
  beta: 200,
  qkDim,
  temperature: 4,
  kdWeight: 0.9,
  rtkSelection: 'topk',
  rtkK: 1,
  rtkTau: 0.5,
  rtkDistance: 'normalized',
  ...overrides,
});

describe('AFD', () => {
  it('equals the hand-computed loss on a 2-teacher/2-student example with fixed weights', () => {
    const distiller = distillerFor(afd);
    const weights = fixWeights(distiller);
    const expected = reference(weights);
    const loss = distiller.loss({ ...batchOf(), training: false });
    expect(expected.afd).toBeGreaterThan(1e-3);
    expect(loss.feature.dataSync()[0]).toBeCloseTo(200 * expected.afd, 4);
    const attentionSum = loss.attentionSum?.arraySync() ?? [];
    expected.afdAttention.forEach((row, s) =>
      row.forEach((value, t) => expect(attentionSum[s]?.[t]).toBeCloseTo(value, 5)),
    );
    const ce = loss.ce.dataSync()[0] ?? 0;
    const kd = loss.kd.dataSync()[0] ?? 0;
    expect(kd).toBeGreaterThan(0);
    expect(loss.total.dataSync()[0]).toBeCloseTo(ce + kd + 200 * expected.afd, 4);
  });

  it('normalises with batch statistics when training, as the hand-computed layers do', () => {
    const distiller = distillerFor(afd);
    const weights = fixWeights(distiller);
    const training = reference(weights, 'batch');
    const inference = reference(weights, 'running');
    const loss = distiller.loss({ ...batchOf(), training: true });
    expect(Math.abs(training.afd - inference.afd)).toBeGreaterThan(1e-3);
    expect(loss.feature.dataSync()[0]).toBeCloseTo(200 * training.afd, 3);
    const attentionSum = loss.attentionSum?.arraySync() ?? [];
    training.afdAttention.forEach((row, s) =>
      row.forEach((value, t) => expect(attentionSum[s]?.[t]).toBeCloseTo(value, 4)),
    );
  });
});

describe('RTK', () => {
  it('with k = T and the mean distance equals AFD with the roles of teacher and student swapped', () => {
    const distiller = distillerFor(rtk({ rtkK: teacherTaps.length, rtkDistance: 'mean' }), 9);
    const { student, teacher, labels: target } = batchOf();
    const rtkFeature =
      distiller.loss({ student, teacher, labels: target, training: false }).feature.dataSync()[0] ?? 0;
    const module = new AttentionModule(teacherTaps, studentTaps, qkDim, new Random(9));
    const logits = module.logits(student.taps.map(channelMeans), teacher.channelMeans, false);
    const distances = module.distances(student.taps.map(energyMap), teacher.energyMaps, 'mean');
    const swapped =
      afdFeatureLoss(
        tf.transpose<tf.Tensor3D>(logits, [0, 2, 1]),
        tf.transpose<tf.Tensor3D>(distances, [0, 2, 1]),
      ).loss.dataSync()[0] ?? 0;
    const unswapped = afdFeatureLoss(logits, distances).loss.dataSync()[0] ?? 0;
    expect(rtkFeature).toBeCloseTo(200 * swapped, 4);
    expect(Math.abs(swapped - unswapped)).toBeGreaterThan(1e-4);
  });

  it('matches the hand-computed logits and distances with its selection applied', () => {
    const distiller = distillerFor(rtk({ rtkK: 1, rtkDistance: 'mean' }));
    const expected = reference(fixWeights(distiller));
    const loss = distiller.loss({ ...batchOf(), training: false });
    let value = 0;
    const counts = studentTaps.map(() => teacherTaps.map(() => 0));
    expected.logits.forEach((sampleLogits, sample) =>
      sampleLogits.forEach((row, s) => {
        const best = row.indexOf(Math.max(...row));
        value += (expected.distances[sample]?.[s]?.[best] ?? 0) / batch;
        const countRow = counts[s];
        if (countRow !== undefined) countRow[best] = (countRow[best] ?? 0) + 1;
      }),
    );
    expect(loss.feature.dataSync()[0]).toBeCloseTo(200 * value, 4);
    expect(Array.from(loss.selectionSum?.dataSync() ?? [])).toEqual(counts.flat());
  });

  it('keeps exactly k keys per query and its weights over them sum to one', () => {
    const distiller = distillerFor(rtk({ rtkK: 1 }));
    const loss = distiller.loss({ ...batchOf(), training: true });
    const counts = Array.from(loss.selectionSum?.dataSync() ?? []);
    expect(counts.length).toBe(studentTaps.length * teacherTaps.length);
    expect((counts[0] ?? 0) + (counts[1] ?? 0)).toBe(batch);
    expect((counts[2] ?? 0) + (counts[3] ?? 0)).toBe(batch);
    const attention = loss.attentionSum?.arraySync() ?? [];
    for (const row of attention) expect(sum(row)).toBeCloseTo(batch, 5);
  });

  it('normalized distance is the squared distance divided by the mean teacher map size', () => {
    const module = new AttentionModule(teacherTaps, studentTaps, qkDim, new Random(1));
    const { student, teacher } = batchOf();
    const meanDistance = module
      .distances(student.taps.map(energyMap), teacher.energyMaps, 'mean')
      .arraySync();
    const normalized = module
      .distances(student.taps.map(energyMap), teacher.energyMaps, 'normalized')
      .arraySync();
    const meanArea = (4 + 2) / 2;
    expect(module.meanTeacherArea).toBe(meanArea);
    meanDistance.forEach((sample, b) =>
      sample.forEach((row, s) =>
        row.forEach((value, t) => {
          const area = (teacherTaps[t]?.shape[0] ?? 0) * (teacherTaps[t]?.shape[1] ?? 0);
          expect(normalized[b]?.[s]?.[t]).toBeCloseTo((value * area) / meanArea, 6);
        }),
      ),
    );
  });
});

describe('AT', () => {
  it('sums the per-link mean squared attention difference of stage ends of equal resolution', () => {
    const distiller = distillerFor({ method: 'at', beta: 1000 });
    const loss = distiller.loss({ ...batchOf(), training: true });
    let expected = 0;
    for (let sample = 0; sample < batch; sample += 1) {
      const studentMap = attention(studentValues[0]?.[sample] ?? []);
      const teacherMap = attention(teacherValues[0]?.[sample] ?? []);
      expected += mean(studentMap.map((value, index) => (value - (teacherMap[index] ?? 0)) ** 2)) / batch;
    }
    // Only the 2x2 stages are linked: the teacher's 1x2 stage has no student stage of its resolution.
    expect(expected).toBeGreaterThan(1e-4);
    expect(loss.feature.dataSync()[0]).toBeCloseTo(1000 * expected, 3);
    expect(loss.kd.dataSync()[0]).toBe(0);
  });

  it('refuses networks that share no stage resolution, naming both', () => {
    expect(() =>
      createDistiller({
        hyperparameters: { method: 'at', beta: 1000 },
        teacherTaps,
        studentTaps: [{ index: 0, name: 's0', stage: 0, shape: [3, 3, 2] }],
        seed: 1,
      }),
    ).toThrow(/AT has no matching stages: .* teacher's stages are 2x2, 1x2 where the student's are 3x3/);
  });

  it('links stage ends of the same resolution only, as an imported teacher needs', () => {
    const tap = (index: number, stage: number, side: number): FeatureTap => ({
      index,
      name: `t${index}`,
      stage,
      shape: [side, side, 4],
    });
    // torchvision's resnet18 on 32x32 images (8, 4, 2, 1) against a CIFAR student (32, 16, 8).
    const resnet18 = [tap(0, 0, 8), tap(1, 0, 8), tap(2, 1, 4), tap(3, 1, 4), tap(4, 2, 2), tap(5, 3, 1)];
    const student = [tap(0, 0, 32), tap(1, 1, 16), tap(2, 2, 8), tap(3, 2, 8)];
    expect(attentionTransferLinks(resnet18, student)).toMatchObject([{ teacher: 1, student: 3 }]);
    expect(attentionTransferLinks(resnet18.slice(2), student)).toEqual([]);
  });
});

describe('none and KD', () => {
  it('none is the cross-entropy alone and KD adds the weighted KL term', () => {
    const none = distillerFor({ method: 'none' }).loss({ ...batchOf(), training: true });
    const kd = distillerFor({ method: 'kd', temperature: 4, kdWeight: 0.9 }).loss({
      ...batchOf(),
      training: true,
    });
    const ce = none.ce.dataSync()[0] ?? 0;
    expect(none.total.dataSync()[0]).toBeCloseTo(ce, 6);
    expect(kd.ce.dataSync()[0]).toBeCloseTo(ce, 6);
    expect(kd.kd.dataSync()[0]).toBeGreaterThan(0.01);
    expect(kd.total.dataSync()[0]).toBeCloseTo(ce + (kd.kd.dataSync()[0] ?? 0), 5);
  });
});
