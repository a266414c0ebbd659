import { printListing, withCliHost } from '../cli-host.js';
import type { JsonHostFlags } from '../cli-host.js';
import { formatTable, formatTimestamp, shortId } from '../output/text-format.js';

/** `rtk-workbench experiments [--json]`: the experiments in the workbench, newest first. */
export async function experimentsCommand(values: JsonHostFlags): Promise<number> {
  return withCliHost(values, async (host) => {
    printListing(
      await host.services.handlers.listExperiments({}),
      values.json,
      'No experiments yet. Start one with `rtk-workbench train SPEC.json` or `rtk-workbench demo`.',
      (experiments) =>
        formatTable(
          ['Id', 'Name', 'Dataset', 'Status', 'Runs', 'Created'],
          experiments.map((experiment) => [
            shortId(experiment.id),
            experiment.name,
            experiment.datasetName,
            experiment.status,
            String(experiment.runCount),
            formatTimestamp(experiment.createdAt),
          ]),
          new Set([4]),
        ),
    );
    return 0;
  });
}
