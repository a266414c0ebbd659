import type { ExperimentDetails } from '../../../src-shared/contracts/api.js';
import type { ExperimentResults } from '../../../src-shared/contracts/run-types.js';
import type { ExperimentSpec } from '../../../src-shared/domain/experiment-spec.js';
import type { WorkbenchHost } from '../../services/workbench-host.js';
import { withCliHost } from '../cli-host.js';
import type { JsonHostFlags } from '../cli-host.js';
import { ProgressPrinter } from '../output/progress-printer.js';
import { runLabel } from '../output/progress-format.js';
import { formatResultsTable } from '../output/results-format.js';
import { shortId } from '../output/text-format.js';
import { followRuns, pauseQueue } from '../run-follower.js';
import type { FollowOutcome } from '../run-follower.js';
import { readSpecFile } from '../spec-file.js';

/** What training an experiment to the end produced. */
export interface TrainedExperiment {
  readonly details: ExperimentDetails;
  readonly outcome: FollowOutcome;
  readonly results: ExperimentResults;
}

/** The lines that say what an interrupted or stalled experiment left behind and how to go on. */
export function describeUnfinished(outcome: FollowOutcome): string[] {
  const open = outcome.runs.filter(
    (run) => run.status !== 'done' && run.status !== 'failed' && run.status !== 'cancelled',
  );
  if (open.length === 0) return [];
  const lines = [
    outcome.interrupted
      ? 'Paused. Continue later with:'
      : 'The queue stopped with runs still waiting (is their teacher paused?). Continue with:',
  ];
  const experiments = new Set(open.map((run) => run.experimentId));
  for (const experimentId of experiments) {
    lines.push(`  rtk-workbench resume ${experimentId}   # every unfinished run of the experiment`);
  }
  lines.push('or one run at a time:');
  for (const run of open) lines.push(`  rtk-workbench resume ${run.id}   # ${runLabel(run)}, ${run.status}`);
  return lines;
}

/** Exit code of a finished training command: 0 all done, 1 a run failed, 130 interrupted by Ctrl+C. */
export function trainingExitCode(outcome: FollowOutcome): number {
  if (outcome.runs.some((run) => run.status === 'failed')) return 1;
  if (outcome.interrupted) return 130;
  return outcome.stalled ? 1 : 0;
}

/**
 * Creates the experiment of `spec`, starts the queue and follows its runs (progress on stderr) until every
 * run has settled or Ctrl+C paused them; then reads its results.
 */
export async function trainExperiment(
  host: WorkbenchHost,
  spec: ExperimentSpec,
  printer: ProgressPrinter,
): Promise<TrainedExperiment> {
  host.services.startQueue();
  const details = await host.services.handlers.createExperiment({ spec });
  const students = details.runs.filter((run) => run.role === 'student').length;
  printer.log(
    `Experiment "${details.experiment.name}" (${details.experiment.id}): ${details.runs.length} runs queued ` +
      `(${details.runs.some((run) => run.role === 'teacher') ? 'a teacher and ' : ''}${students} students).`,
  );
  const runIds = details.runs.map((run) => run.id);
  const outcome = await followRuns(host, () => runIds, printer);
  if (!outcome.interrupted && host.services.runQueue.activeRunId !== null) {
    // Runs of other experiments queued behind ours: they stay for whoever runs the queue next.
    for (const id of await pauseQueue(host, [])) {
      printer.log(
        `Paused run ${shortId(id)} of another experiment; resume it with rtk-workbench resume ${id}.`,
      );
    }
  }
  const results = await host.services.handlers.getExperimentResults({ id: details.experiment.id });
  return { details, outcome, results };
}

/** `rtk-workbench train SPEC.json`: validates the spec, trains every run of the experiment, prints its results. */
export async function trainCommand(specFile: string, values: JsonHostFlags): Promise<number> {
  const spec = readSpecFile(specFile);
  return withCliHost(values, async (host) => {
    const printer = new ProgressPrinter(process.stderr);
    const trained = await trainExperiment(host, spec, printer);
    if (values.json) {
      console.log(
        JSON.stringify(
          {
            experiment: trained.details.experiment,
            runs: trained.outcome.runs,
            results: trained.results,
            interrupted: trained.outcome.interrupted,
          },
          null,
          2,
        ),
      );
    } else {
      console.log(formatResultsTable(trained.results));
      for (const line of describeUnfinished(trained.outcome)) console.error(line);
    }
    return trainingExitCode(trained.outcome);
  });
}
