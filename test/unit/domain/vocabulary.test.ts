import { describe, expect, it } from 'vitest';
import type { ModelProfile } from '../../../src-shared/contracts/api.js';
import type { ExperimentResults } from '../../../src-shared/contracts/run-types.js';
import { methodCatalog } from '../../../src-shared/domain/method-catalog.js';
import { methodLabel, methodLabels, resultsCsvColumns } from '../../../src-shared/domain/vocabulary.js';
import { formatResultsCsv, formatResultsTable } from '../../../src-main/cli/output/results-format.js';
import { runLabel } from '../../../src-main/cli/output/progress-format.js';
import { modelCardMarkdown } from '../../../src-main/engine/export/model-card.js';
import type { ModelCard } from '../../../src-main/engine/export/model-card.js';
import { compareCsv } from '../../../src-renderer/features/compare/compare-model.js';
import { strings } from '../../../src-renderer/lib/strings.js';

const results: ExperimentResults = {
  experimentId: 'e1',
  classNames: ['cat', 'dog'],
  teacher: { runId: 't', backbone: 'resnet20', bestTop1: 0.81, lastTop1: 0.8 },
  studentBackbone: 'resnet8',
  recommendation: null,
  methods: [
    {
      method: 'rtk',
      runIds: ['r1'],
      seeds: [1],
      finishedRuns: 1,
      best: { mean: 0.75, std: 0, count: 1 },
      last: { mean: 0.74, std: 0, count: 1 },
      gainBest: 0.02,
      gainLast: 0.01,
      perClassDelta: null,
    },
    {
      method: 'none',
      runIds: ['n1'],
      seeds: [1],
      finishedRuns: 1,
      best: { mean: 0.73, std: 0, count: 1 },
      last: { mean: 0.73, std: 0, count: 1 },
      gainBest: null,
      gainLast: null,
      perClassDelta: null,
    },
  ],
};
const dataset = { classCount: 2, imageHeight: 32, imageWidth: 32, channels: 3 };

describe('one vocabulary', () => {
  it('gives the CLI results CSV and the UI Download CSV the same header row and, without measurements, the same rows', () => {
    const cli = formatResultsCsv(results, dataset).split('\r\n');
    const ui = compareCsv(results, dataset, { teacher: null, student: null }).split('\r\n');
    expect(cli[0]).toBe(ui[0]);
    expect(cli[0]).toBe(resultsCsvColumns.join(','));
    expect(ui).toEqual(cli);
    // A measured latency is what only the UI knows; it fills that cell, the columns stay.
    const profiled = compareCsv(results, dataset, {
      teacher: null,
      student: {
        parameterCount: 1,
        fileBytes: { float32: 4 },
        latency: { tfjs: { medianMilliseconds: 2.5 } },
      } as ModelProfile,
    }).split('\r\n');
    expect(profiled[0]).toBe(cli[0]);
    expect(profiled[2]?.endsWith(',1,4,2.5')).toBe(true);
  });

  it('names each method the same in the catalog, the CLI, the UI and the model card', () => {
    expect(methodLabels.none).toBe('Student alone');
    for (const method of ['none', 'kd', 'at', 'afd', 'rtk'] as const) {
      expect(methodCatalog[method].label).toBe(methodLabels[method]);
      expect(strings.compare.methodLabels[method]).toBe(methodLabels[method]);
      expect(runLabel({ role: 'student', method, backbone: 'resnet8', seed: 1 })).toBe(
        `${methodLabels[method]} resnet8 seed 1`,
      );
    }
    expect(formatResultsTable(results)).toMatch(/\nStudent alone\s+1\/1/);
    expect(methodLabel('something-newer')).toBe('something-newer');
    const card = {
      workbenchVersion: '0.1.0',
      createdAt: '2026-01-01',
      backbone: 'resnet8',
      format: 'onnx',
      precision: 'float32',
      classNames: ['cat', 'dog'],
      input: {
        height: 32,
        width: 32,
        channels: 3,
        onnxLayout: 'NCHW',
        preprocessing: 'x',
        mean: [],
        std: [],
      },
      outputs: ['logits'],
      datasetFingerprint: 'f',
      training: {
        runId: null,
        datasetName: 'd',
        teacher: 'resnet20',
        method: 'none',
        hyperparameters: {},
        seed: 1,
        epochs: 1,
        testTop1: 0.5,
      },
      parameterCount: 1,
      macsPerImage: 2,
      peakActivationBytes: 3,
      files: [],
      modelBytes: 4,
      preset: null,
      latency: {},
      parity: {},
    } satisfies ModelCard;
    const markdown = modelCardMarkdown(card);
    expect(markdown).toContain('- **Method:** Student alone\n- **Teacher:** resnet20');
    expect(markdown).toContain('- **Parameters:** 1\n');
    expect(markdown).toContain('- **Multiply-adds per image:** 2\n');
  });

  it('spells distil the British way in what users read', async () => {
    const { readFileSync } = await import('node:fs');
    const text = [
      'src-renderer/lib/strings.ts',
      'src-main/cli/command-table.ts',
      'src-shared/domain/vocabulary.ts',
    ]
      .map((file) => readFileSync(new URL(`../../../${file}`, import.meta.url), 'utf8'))
      .join('\n');
    expect(text).not.toMatch(/\bdistills?\b/i);
    expect(text).toMatch(/\bdistil\b/);
  });
});
