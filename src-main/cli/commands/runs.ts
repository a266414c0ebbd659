import type { RunSummary } from '../../../src-shared/contracts/run-types.js';
import { figureNames, methodLabels } from '../../../src-shared/domain/vocabulary.js';
import {
  bestTestTop1Definition,
  lastTestTop1Definition,
  testImagesText,
} from '../../../src-shared/domain/figure-definitions.js';
import { requireExperimentDetails } from '../../services/experiments-service.js';
import type { WorkbenchHost } from '../../services/workbench-host.js';
import { resolveIdPrefix } from '../cli-arguments.js';
import { printListing, resolveStoredId, withCliHost } from '../cli-host.js';
import type { JsonHostFlags } from '../cli-host.js';
import { ProgressPrinter } from '../output/progress-printer.js';
import { formatRunStatusLine, runLabel } from '../output/progress-format.js';
import { formatFigureNotes, formatPercent, formatTable, shortId } from '../output/text-format.js';
import { claimForTraining, followRuns } from '../run-follower.js';
import { describeUnfinished, trainingExitCode } from './train.js';

/** The runs as a table, most recently queued first. */
export function formatRunsTable(
  runs: readonly RunSummary[],
  experimentNames: ReadonlyMap<string, string>,
): string {
  return formatTable(
    [
      'Run',
      'Experiment',
      'Role',
      figureNames.method,
      figureNames.network,
      'Seed',
      'Status',
      'Epochs',
      'Best',
      'Last',
    ],
    runs.map((run) => [
      shortId(run.id),
      experimentNames.get(run.experimentId) ?? shortId(run.experimentId),
      run.role,
      run.role === 'teacher' ? '—' : methodLabels[run.method],
      run.backbone,
      String(run.seed),
      run.status,
      `${run.epochsDone}/${run.epochsTotal}`,
      formatPercent(run.bestTestTop1),
      formatPercent(run.lastTestTop1),
    ]),
    new Set([5, 7, 8, 9]),
  );
}

function resolveRun(host: WorkbenchHost, typed: string): RunSummary {
  const id = resolveStoredId(host, 'run', typed);
  const run = host.store.runs.get(id);
  if (run === undefined) throw new Error(`There is no run ${typed} in this workbench.`);
  return run;
}

/** `rtk-workbench runs [--json]`: every run in the workbench. */
export async function runsCommand(values: JsonHostFlags): Promise<number> {
  return withCliHost(values, async (host) => {
    printListing(
      await host.services.handlers.listRuns({}),
      values.json,
      'No runs yet. Start some with `rtk-workbench train SPEC.json` or `rtk-workbench demo`.',
      (runs) => {
        const names = new Map(
          host.store.experiments.list().map((experiment) => [experiment.id, experiment.name]),
        );
        const testImages = [...new Set(runs.map((run) => run.experimentId))].flatMap((id) => {
          const test = requireExperimentDetails(host.store, id).measurement.test;
          return test === null ? [] : [`${names.get(id) ?? shortId(id)}: ${testImagesText(test)}`];
        });
        return [
          formatRunsTable(runs, names),
          ...runs.flatMap((run) => (run.error === null ? [] : [`${shortId(run.id)}: ${run.error}`])),
          ...formatFigureNotes([bestTestTop1Definition(null), lastTestTop1Definition(null)]),
          ...(testImages.length === 0
            ? []
            : ['  Test images per experiment:', ...testImages.map((line) => `    ${line}`)]),
        ].join('\n');
      },
    );
    return 0;
  });
}

const resumableStatuses: ReadonlySet<RunSummary['status']> = new Set(['paused', 'interrupted', 'failed']);

/** The runs `resume` acts on: one run, or the unfinished runs of an experiment (teacher first). */
function resumeTargets(host: WorkbenchHost, typed: string): RunSummary[] {
  const runIds = host.store.runs.list().map((run) => run.id);
  const experimentIds = host.store.experiments.list().map((experiment) => experiment.id);
  if (
    typed !== '' &&
    !runIds.some((id) => id.startsWith(typed)) &&
    experimentIds.some((id) => id.startsWith(typed))
  ) {
    const experimentId = resolveIdPrefix(typed, experimentIds, 'experiment');
    const runs = host.store.runs
      .listOfExperiment(experimentId)
      .filter(
        (run) => resumableStatuses.has(run.status) || run.status === 'running' || run.status === 'queued',
      )
      .sort((left, right) => (left.role === right.role ? 0 : left.role === 'teacher' ? -1 : 1));
    if (runs.length === 0) {
      throw new Error(
        `Experiment ${experimentId} has no paused, interrupted or failed runs to resume. Nothing was changed.`,
      );
    }
    return runs;
  }
  const run = resolveRun(host, typed);
  if (run.status === 'done' || run.status === 'cancelled') {
    throw new Error(
      `Run ${run.id} is ${run.status}; only a paused, interrupted or failed run can be resumed. Nothing was changed.`,
    );
  }
  return [run];
}

/**
 * `rtk-workbench resume RUN|EXPERIMENT`: queues a paused, interrupted or failed run (or every such run of an
 * experiment) again and trains the queue until it is idle, with progress. A done, cancelled or unknown run
 * is refused and nothing changes.
 */
export async function resumeCommand(typed: string, values: JsonHostFlags): Promise<number> {
  return withCliHost(values, async (host) => {
    const targets = resumeTargets(host, typed);
    const printer = new ProgressPrinter(process.stderr);
    // Claiming the home marks runs a dead process left "running" as interrupted, which makes them resumable.
    const claimHome = claimForTraining(host, 'resume', `rtk-workbench resume ${typed}`, printer);
    claimHome();
    for (const target of targets) {
      const current = host.store.runs.get(target.id) ?? target;
      if (resumableStatuses.has(current.status)) await host.services.handlers.resumeRun({ id: target.id });
      printer.log(
        `Resuming ${runLabel(current)} (${current.id}) from epoch ${current.epochsDone}/${current.epochsTotal}.`,
      );
    }
    const followed = new Set(targets.map((target) => target.id));
    const outcome = await followRuns(
      host,
      () => {
        for (const run of host.store.runs.listWithStatus('queued')) followed.add(run.id);
        return [...followed];
      },
      printer,
      { claimHome },
    );
    if (values.json) {
      console.log(JSON.stringify({ runs: outcome.runs, interrupted: outcome.interrupted }, null, 2));
    } else {
      for (const run of outcome.runs) console.log(formatRunStatusLine(run));
      for (const line of describeUnfinished(outcome)) console.error(line);
    }
    return trainingExitCode(outcome);
  });
}

/** `rtk-workbench cancel RUN`: cancels a queued, paused or interrupted run. */
export async function cancelCommand(typed: string, values: JsonHostFlags): Promise<number> {
  return withCliHost(values, async (host) => {
    const run = resolveRun(host, typed);
    if (run.status === 'running') {
      throw new Error(
        `Run ${run.id} is being trained by another workbench process; stop it there (Ctrl+C pauses a CLI run), then cancel it.`,
      );
    }
    const cancelled = await host.services.handlers.cancelRun({ id: run.id });
    console.log(values.json ? JSON.stringify(cancelled, null, 2) : `Cancelled run ${cancelled.id}.`);
    return 0;
  });
}
