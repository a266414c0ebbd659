import type { ExperimentDetails } from '../../../src-shared/contracts/api.js';
import type { ExperimentResults } from '../../../src-shared/contracts/run-types.js';
import type { ExperimentSpec } from '../../../src-shared/domain/experiment-spec.js';
import type { WorkbenchHost } from '../../services/workbench-host.js';
import { withCliHost } from '../cli-host.js';
import type { JsonHostFlags } from '../cli-host.js';
import { ProgressPrinter } from '../output/progress-printer.js';
import { runLabel } from '../output/progress-format.js';
import { formatResultsTable } from '../output/results-format.js';
import { claimForTraining, followRuns } from '../run-follower.js';
import type { OwnerKind } from '../../services/home-ownership.js';
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
      : outcome.halted !== null
        ? 'Training stopped before these runs ended. Once the cause is fixed, continue with:'
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

/**
 * Exit code of a finished training command: 0 when every run is done (or deliberately cancelled), 130 after
 * Ctrl+C, 1 when any run failed, was interrupted or is left waiting, or the queue halted (a full disk).
 */
export function trainingExitCode(outcome: FollowOutcome): number {
  if (outcome.interrupted) return 130;
  if (outcome.halted !== null || outcome.stalled) return 1;
  return outcome.runs.every((run) => run.status === 'done' || run.status === 'cancelled') ? 0 : 1;
}

/**
 * Creates the experiment of `spec` and trains it — in this process when it can own the workbench home, or
 * in the process that owns it — following its runs (progress on stderr) until every run has settled or
 * Ctrl+C paused them; then reads its results. Only this experiment's runs train here.
 */
export async function trainExperiment(
  host: WorkbenchHost,
  spec: ExperimentSpec,
  printer: ProgressPrinter,
  owner: { readonly kind: OwnerKind; readonly description: string },
): Promise<TrainedExperiment> {
  const ours = new Set<string>();
  host.services.runQueue.limitTo((run) => ours.has(run.id));
  const details = await host.services.handlers.createExperiment({ spec });
  for (const run of details.runs) ours.add(run.id);
  const students = details.runs.filter((run) => run.role === 'student').length;
  printer.log(
    `Experiment "${details.experiment.name}" (${details.experiment.id}): ${details.runs.length} runs queued ` +
      `(${details.runs.some((run) => run.role === 'teacher') ? 'a teacher and ' : ''}${students} students).`,
  );
  const outcome = await followRuns(host, () => [...ours], printer, {
    claimHome: claimForTraining(host, owner.kind, owner.description, printer),
  });
  if (outcome.halted !== null) printer.log(`Training stopped: ${outcome.halted}`);
  const results = await host.services.handlers.getExperimentResults({ id: details.experiment.id });
  return { details, outcome, results };
}

/** `rtk-workbench train SPEC.json`: validates the spec, trains every run of the experiment, prints its results. */
export async function trainCommand(specFile: string, values: JsonHostFlags): Promise<number> {
  const spec = readSpecFile(specFile);
  return withCliHost(values, async (host) => {
    const printer = new ProgressPrinter(process.stderr);
    const trained = await trainExperiment(host, spec, printer, {
      kind: 'train',
      description: `rtk-workbench train ${specFile}`,
    });
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
      console.log(formatResultsTable(trained.results, trained.details.measurement));
      for (const line of describeUnfinished(trained.outcome)) console.error(line);
    }
    return trainingExitCode(trained.outcome);
  });
}
