import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { RunSummary } from '../../../src-shared/contracts/run-types.js';
import { experimentSpecSchema } from '../../../src-shared/domain/experiment-spec.js';
import type { ExperimentSpec } from '../../../src-shared/domain/experiment-spec.js';
import { ensureDemoDataset } from '../../engine/data/demo-dataset.js';
import { readLayersModel, writeLayersModel } from '../../engine/export/layers-model-files.js';
import { runModelDirectory } from '../../services/run-queue.js';
import { withCliHost } from '../cli-host.js';
import type { JsonHostFlags } from '../cli-host.js';
import { runLabel } from '../output/progress-format.js';
import { ProgressPrinter } from '../output/progress-printer.js';
import { formatResultsTable } from '../output/results-format.js';
import { formatBytes, formatDuration, formatPercent } from '../output/text-format.js';
import { describeUnfinished, trainExperiment, trainingExitCode } from './train.js';

/**
 * The demo's Quick experiment: sized so the whole demo (teacher and three students) finishes in about four
 * minutes on two CPU cores with the WebAssembly backend.
 */
export function demoSpec(datasetId: string): ExperimentSpec {
  return experimentSpecSchema.parse({
    name: 'Demo: RTK and KD on shapes',
    preset: 'quick',
    datasetId,
    teacher: { source: 'train', backbone: 'resnet14', epochs: 3 },
    student: { backbone: 'resnet8' },
    methods: ['rtk', 'kd', 'none'],
    schedule: {
      epochs: 2,
      batchSize: 64,
      learningRate: 0.05,
      learningRateSchedule: { kind: 'cosine', minimum: 0 },
    },
    seeds: [1],
    subset: { trainImages: 1_500 },
  });
}

/** The student to export: the finished student whose saved (last-epoch) weights score best on the test split. */
export function bestStudent(runs: readonly RunSummary[]): RunSummary | undefined {
  return runs
    .filter((run) => run.role === 'student' && run.status === 'done' && run.lastTestTop1 !== null)
    .sort((left, right) => (right.lastTestTop1 ?? 0) - (left.lastTestTop1 ?? 0))[0];
}

/**
 * Exports a run's trained model into `<home>/exports/<id>/` as a float32 TFJS layers model that outputs the
 * class logits only (the feature-tap outputs matter for distillation, not on a device).
 */
export async function exportRunModel(
  homeDirectory: string,
  run: RunSummary,
): Promise<{ directory: string; bytes: number }> {
  // Reading and writing weights needs no speed; prod mode keeps tfjs's "install tfjs-node" advice off stderr.
  tf.enableProdMode();
  await tf.setBackend('cpu');
  const trained = await readLayersModel(runModelDirectory(homeDirectory, run.id));
  const logits = trained.outputs.at(-1);
  if (logits === undefined) throw new Error(`The model of run ${run.id} has no outputs.`);
  const model = tf.model({ inputs: trained.inputs, outputs: logits, name: trained.name });
  try {
    const directory = join(homeDirectory, 'exports', randomUUID());
    const written = await writeLayersModel(model, directory, {
      precision: 'float32',
      replace: false,
      userDefinedMetadata: {
        rtkWorkbench: {
          runId: run.id,
          backbone: run.backbone,
          method: run.method,
          testTop1: run.lastTestTop1,
        },
      },
    });
    return { directory, bytes: written.modelJsonBytes + written.weightBytes };
  } finally {
    trained.dispose();
  }
}

/**
 * `rtk-workbench demo`: generates (or reuses) the demo dataset, trains a Quick experiment on it (a teacher,
 * then students with RTK, KD and the student alone), prints the results and exports the best student.
 */
export async function demoCommand(values: JsonHostFlags): Promise<number> {
  const startedAt = performance.now();
  return withCliHost(values, async (host, homeDirectory) => {
    const printer = new ProgressPrinter(process.stderr);
    const { dataset, created } = await ensureDemoDataset(host.store, homeDirectory);
    printer.log(
      `${created ? 'Generated' : 'Reusing'} the demo dataset "${dataset.name}" (${dataset.id}): ${dataset.classCount} classes, ` +
        `${dataset.trainCount} training and ${dataset.testCount} test images of ${dataset.imageHeight}x${dataset.imageWidth}x${dataset.channels}.`,
    );
    const trained = await trainExperiment(host, demoSpec(dataset.id), printer, {
      kind: 'demo',
      description: 'rtk-workbench demo',
    });
    const best = bestStudent(trained.outcome.runs);
    const exported = best === undefined ? null : await exportRunModel(homeDirectory, best);
    const seconds = (performance.now() - startedAt) / 1000;
    if (values.json) {
      console.log(
        JSON.stringify(
          {
            dataset,
            datasetCreated: created,
            experiment: trained.details.experiment,
            runs: trained.outcome.runs,
            results: trained.results,
            export: exported === null || best === undefined ? null : { runId: best.id, ...exported },
            interrupted: trained.outcome.interrupted,
            seconds,
          },
          null,
          2,
        ),
      );
    } else {
      console.log(formatResultsTable(trained.results));
      if (exported !== null && best !== undefined) {
        console.log(
          `\nExported the best student (${runLabel(best)}, test top-1 ${formatPercent(best.lastTestTop1)}) as a ` +
            `float32 TensorFlow.js model (${formatBytes(exported.bytes)}) to ${exported.directory}`,
        );
      }
      console.log(
        `Demo ${trained.outcome.interrupted ? 'paused after' : 'finished in'} ${formatDuration(seconds)}.`,
      );
      for (const line of describeUnfinished(trained.outcome)) console.error(line);
    }
    return trainingExitCode(trained.outcome);
  });
}
