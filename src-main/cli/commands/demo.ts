import type { DemoSize, DemoStatus } from '../../../src-shared/contracts/demo-types.js';
import type { ExperimentResults } from '../../../src-shared/contracts/run-types.js';
import type { FollowedRuns } from '../../services/demo-service.js';
import type { WorkbenchHost } from '../../services/workbench-host.js';
import { withCliHost } from '../cli-host.js';
import type { JsonHostFlags } from '../cli-host.js';
import { runLabel } from '../output/progress-format.js';
import { ProgressPrinter } from '../output/progress-printer.js';
import { formatResultsTable } from '../output/results-format.js';
import { formatDuration, formatPercent } from '../output/text-format.js';
import { claimForTraining, followRuns } from '../run-follower.js';
import type { FollowOutcome } from '../run-follower.js';
import { describeUnfinished, trainingExitCode } from './train.js';

/** Why following stopped before every run ended, in the words the demo's status carries. */
function stopReason(outcome: FollowOutcome): string | null {
  if (outcome.interrupted) return 'Paused with Ctrl+C.';
  if (outcome.halted !== null) return `Training stopped: ${outcome.halted}`;
  if (outcome.stalled) return 'The queue stopped with runs still waiting (is their teacher paused?).';
  return null;
}

/** Says what each step of the demo did, as it happens. */
function narrate(host: WorkbenchHost, printer: ProgressPrinter): (status: DemoStatus) => void {
  let last: DemoStatus | null = null;
  return (status) => {
    if (status.datasetId !== null && last?.datasetId !== status.datasetId) {
      const dataset = host.store.datasets.get(status.datasetId);
      if (dataset !== undefined) {
        printer.log(
          `Demo dataset "${dataset.name}" (${dataset.id}): ${dataset.classCount} classes, ${dataset.trainCount} training ` +
            `and ${dataset.testCount} test images of ${dataset.imageHeight}x${dataset.imageWidth}x${dataset.channels}.`,
        );
      }
    }
    if (status.phase === 'training' && last?.phase !== 'training' && status.experimentId !== null) {
      const experiment = host.store.experiments.get(status.experimentId);
      printer.log(
        `Experiment "${experiment?.name ?? status.experimentId}" (${status.experimentId}): ${status.runsTotal} runs ` +
          'queued (a teacher, then students with RTK, KD and alone).',
      );
    }
    if (status.phase === 'exporting' && last?.phase !== 'exporting' && status.recommendedRunId !== null) {
      const run = host.store.runs.get(status.recommendedRunId);
      printer.log(
        `Exporting the recommended student (${run === undefined ? status.recommendedRunId : runLabel(run)}) and checking the files against it…`,
      );
    }
    last = status;
  };
}

/**
 * `rtk-workbench demo`: the one-click demo of the home screen, from the command line. The demo service draws
 * (or reuses) the demo dataset and creates the demo experiment; this command claims the home (or follows the
 * process that owns it) while a teacher and students with RTK, KD and alone train, then the service exports
 * the recommended student, verified and with its model card, into the home's exports folder.
 */
export async function demoCommand(values: JsonHostFlags & { readonly size: DemoSize }): Promise<number> {
  const startedAt = performance.now();
  return withCliHost(values, async (host) => {
    const printer = new ProgressPrinter(process.stderr);
    const ours = new Set<string>();
    host.services.runQueue.limitTo((run) => ours.has(run.id));
    const followed: { outcome: FollowOutcome | null } = { outcome: null };
    const claimHome = claimForTraining(host, 'demo', 'rtk-workbench demo', printer);
    const onStatus = narrate(host, printer);
    const unsubscribe = host.services.events.subscribe((name, payload) => {
      if (name === 'onDemoStatus') onStatus(payload as DemoStatus);
    });
    let status: DemoStatus;
    try {
      status = await host.services.demo.start({
        size: values.size,
        follow: async (runIds): Promise<FollowedRuns> => {
          for (const id of runIds) ours.add(id);
          const outcome = await followRuns(host, () => runIds, printer, { claimHome });
          followed.outcome = outcome;
          return { stopped: stopReason(outcome) };
        },
      }).finished;
    } finally {
      unsubscribe();
    }
    const results: ExperimentResults | null =
      status.experimentId === null
        ? null
        : await host.services.handlers.getExperimentResults({ id: status.experimentId });
    const seconds = (performance.now() - startedAt) / 1000;
    if (values.json) {
      console.log(
        JSON.stringify(
          {
            demo: status,
            dataset: status.datasetId === null ? null : (host.store.datasets.get(status.datasetId) ?? null),
            runs: status.experimentId === null ? [] : host.store.runs.listOfExperiment(status.experimentId),
            results,
            seconds,
          },
          null,
          2,
        ),
      );
    } else {
      if (results !== null) console.log(formatResultsTable(results));
      const exportedRun =
        status.recommendedRunId === null ? undefined : host.store.runs.get(status.recommendedRunId);
      if (status.export !== null && exportedRun !== undefined) {
        console.log(
          `\nExported the recommended student (${runLabel(exportedRun)}, test top-1 ${formatPercent(exportedRun.lastTestTop1)}) ` +
            `as ONNX and TensorFlow.js, checked against the trained model, with its model card, to:\n  ${status.export.directory}`,
        );
      }
      console.log(
        `Demo ${status.phase === 'done' ? 'finished' : status.phase} after ${formatDuration(seconds)}.`,
      );
      if (status.message !== null) console.error(status.message);
      if (followed.outcome !== null)
        for (const line of describeUnfinished(followed.outcome)) console.error(line);
    }
    const runs = status.experimentId === null ? [] : host.store.runs.listOfExperiment(status.experimentId);
    if (status.phase === 'done') return runs.every((run) => run.status === 'done') ? 0 : 1;
    if (status.phase === 'stopped' && followed.outcome !== null) return trainingExitCode(followed.outcome);
    return 1;
  });
}
