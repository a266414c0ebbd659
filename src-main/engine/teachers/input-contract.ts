import {
  normalisationPresetValues,
  type TeacherContractRequest,
  type TeacherInputContract,
} from '../../../src-shared/contracts/teacher-types.js';
import type { ChannelStatistics, ImageShape } from '../data/types.js';
import { TeacherFileError } from './named-tensors.js';

/**
 * Resolves what the user asked for into a full contract for a teacher with `teacherChannels` input channels:
 * a named preset gives means and stds on the 0–1 scale (scaled to 0–255 when `scale` is 255); `dataset` takes
 * the dataset's own statistics; `none` is mean 0, std 1; given numbers win over the preset. One number is
 * used for every channel; a grey dataset fed to a colour teacher uses each channel's own numbers.
 */
export function resolveInputContract(
  request: TeacherContractRequest,
  teacherChannels: number,
  statistics: ChannelStatistics,
): TeacherInputContract {
  const scale = request.scale ?? 1;
  const preset =
    request.preset ?? (request.mean !== undefined || request.std !== undefined ? 'custom' : 'dataset');
  let mean: readonly number[];
  let std: readonly number[];
  switch (preset) {
    case 'imagenet':
    case 'cifar10':
    case 'cifar100':
      mean = normalisationPresetValues[preset].mean.map((value) => value * scale);
      std = normalisationPresetValues[preset].std.map((value) => value * scale);
      break;
    case 'dataset':
      mean = statistics.mean.map((value) => (value / 255) * scale);
      std = statistics.std.map((value) => (value / 255) * scale);
      break;
    case 'none':
    case 'custom':
      mean = [0];
      std = [1];
      break;
  }
  mean = request.mean ?? mean;
  std = request.std ?? std;
  const perChannel = (values: readonly number[], what: string): number[] => {
    if (values.length === teacherChannels) return [...values];
    if (values.length === 1) return new Array<number>(teacherChannels).fill(values[0] ?? 0);
    if (teacherChannels === 1 && preset !== 'custom') {
      throw new TeacherFileError(
        `The ${preset} ${what} has ${values.length} values but the teacher takes grey images (1 channel); ` +
          `give one ${what} value, or choose "this dataset's own" or "none".`,
      );
    }
    throw new TeacherFileError(
      `The teacher takes ${teacherChannels} channels, so the ${what} needs ${teacherChannels} values (or one for ` +
        `all); ${values.length} were given.`,
    );
  };
  const contract: TeacherInputContract = {
    preset,
    scale,
    mean: perChannel(mean, 'mean'),
    std: perChannel(std, 'std'),
    channelOrder: request.channelOrder ?? 'RGB',
  };
  if (contract.std.some((value) => !(value > 0))) {
    throw new TeacherFileError(
      `Every std of the input contract must be positive; got ${contract.std.join(', ')}.`,
    );
  }
  return contract;
}

/**
 * Turns batches as the student sees them (NHWC, normalised with the dataset's statistics) into what the
 * teacher expects: per teacher channel c, value = a[c]·s[source(c)] + b[c], which undoes the dataset's
 * normalisation and applies the teacher's scale, mean and std; `source` handles BGR order and a grey dataset
 * fed to a colour teacher; the result is written in the teacher's layout.
 */
export class TeacherInputPreparer {
  private readonly factor: Float32Array;
  private readonly offset: Float32Array;
  private readonly source: Int32Array;

  constructor(
    private readonly datasetShape: ImageShape,
    statistics: ChannelStatistics,
    contract: TeacherInputContract,
    private readonly layout: 'NCHW' | 'NHWC',
    readonly teacherChannels: number,
  ) {
    const datasetChannels = datasetShape[2];
    if (teacherChannels !== datasetChannels && !(datasetChannels === 1 && teacherChannels === 3)) {
      throw new TeacherFileError(
        `The teacher takes ${teacherChannels} channels and the dataset's images have ${datasetChannels}; only ` +
          'equal counts, or grey images for a colour teacher, can be fed.',
      );
    }
    this.factor = new Float32Array(teacherChannels);
    this.offset = new Float32Array(teacherChannels);
    this.source = new Int32Array(teacherChannels);
    const divisor = contract.scale === 1 ? 255 : 1;
    for (let channel = 0; channel < teacherChannels; channel += 1) {
      const source =
        datasetChannels === 1 ? 0 : contract.channelOrder === 'BGR' ? teacherChannels - 1 - channel : channel;
      const datasetMean = statistics.mean[source] ?? 0;
      const datasetStd = statistics.std[source] ?? 1;
      const mean = contract.mean[channel] ?? 0;
      const std = contract.std[channel] ?? 1;
      this.source[channel] = source;
      this.factor[channel] = datasetStd / (divisor * std);
      this.offset[channel] = (datasetMean / divisor - mean) / std;
    }
  }

  /** Values in one teacher input image. */
  get teacherImageSize(): number {
    return this.datasetShape[0] * this.datasetShape[1] * this.teacherChannels;
  }

  /** Prepares `batch` images (NHWC, normalised as the student sees them) into `target` (or a new array). */
  prepare(images: Float32Array, batch: number, target?: Float32Array): Float32Array {
    const [height, width, datasetChannels] = this.datasetShape;
    const channels = this.teacherChannels;
    const pixels = height * width;
    const output = target ?? new Float32Array(batch * pixels * channels);
    const { factor, offset, source } = this;
    for (let image = 0; image < batch; image += 1) {
      const inputBase = image * pixels * datasetChannels;
      const outputBase = image * pixels * channels;
      for (let channel = 0; channel < channels; channel += 1) {
        const a = factor[channel] ?? 1;
        const b = offset[channel] ?? 0;
        const from = source[channel] ?? 0;
        if (this.layout === 'NCHW') {
          const planeBase = outputBase + channel * pixels;
          for (let pixel = 0; pixel < pixels; pixel += 1) {
            output[planeBase + pixel] = a * (images[inputBase + pixel * datasetChannels + from] ?? 0) + b;
          }
        } else {
          for (let pixel = 0; pixel < pixels; pixel += 1) {
            output[outputBase + pixel * channels + channel] =
              a * (images[inputBase + pixel * datasetChannels + from] ?? 0) + b;
          }
        }
      }
    }
    return output;
  }
}
