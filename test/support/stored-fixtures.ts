import type { DatasetManifest } from '../../src-shared/contracts/dataset-manifest.js';
import { experimentSpecSchema } from '../../src-shared/domain/experiment-spec.js';
import type { ExperimentSpec, ExperimentSpecInput } from '../../src-shared/domain/experiment-spec.js';

/** A well-formed dataset manifest for store fixtures whose tests do not read the cache files. */
export function fixtureManifest(changes: Partial<DatasetManifest> = {}): DatasetManifest {
  const classNames = changes.classNames ?? ['a', 'b'];
  return {
    version: 1,
    name: 'fixture',
    format: 'folder',
    sources: [],
    importedAt: '2026-01-01T00:00:00.000Z',
    classNames,
    shape: [32, 32, 3],
    splits: [
      {
        name: 'train',
        count: classNames.length,
        countsPerClass: classNames.map(() => 1),
        imagesFile: 'train-images.u8',
        labelsFile: 'train-labels.u16le',
      },
    ],
    statistics: { mean: [0, 0, 0], std: [1, 1, 1] },
    fingerprint: '0'.repeat(64),
    validation: null,
    carvedTest: null,
    thumbnails: [],
    healthFile: 'health.json',
    ...changes,
  };
}

/** A valid experiment spec (defaults filled in) for store fixtures. */
export function fixtureSpec(changes: Partial<ExperimentSpecInput> = {}): ExperimentSpec {
  return experimentSpecSchema.parse({
    name: 'fixture',
    datasetId: 'd1',
    teacher: { source: 'train', backbone: 'resnet8' },
    student: { backbone: 'resnet8' },
    methods: ['none'],
    schedule: { epochs: 1 },
    seeds: [0],
    ...changes,
  });
}
