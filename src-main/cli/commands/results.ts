import { UsageError } from '../cli-arguments.js';
import { resolveStoredId, withCliHost } from '../cli-host.js';
import type { HostFlags } from '../cli-host.js';
import { formatResultsCsv, formatResultsTable } from '../output/results-format.js';

/** `rtk-workbench results EXPERIMENT [--json|--csv]`: the results table of an experiment. */
export async function resultsCommand(
  typed: string,
  values: HostFlags & { readonly json: boolean; readonly csv: boolean },
): Promise<number> {
  if (values.json && values.csv) throw new UsageError('Choose one of --json and --csv.');
  return withCliHost(values, async (host) => {
    const id = resolveStoredId(host, 'experiment', typed);
    const results = await host.services.handlers.getExperimentResults({ id });
    if (values.json) console.log(JSON.stringify(results, null, 2));
    else if (values.csv) {
      const experiment = host.store.experiments.get(id);
      const dataset = experiment === undefined ? undefined : host.store.datasets.get(experiment.datasetId);
      process.stdout.write(formatResultsCsv(results, dataset ?? null));
    } else {
      const experiment = host.store.experiments.get(id);
      console.log(
        `Experiment "${experiment?.name ?? id}" (${id}), ${experiment?.status ?? 'unknown status'}`,
      );
      const { measurement } = await host.services.handlers.getExperiment({ id });
      console.log(formatResultsTable(results, measurement));
    }
    return 0;
  });
}
