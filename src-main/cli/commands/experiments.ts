import { withCliHost } from '../cli-host.js';
import type { HostFlags } from '../cli-host.js';
import { formatTable, shortId } from '../output/text-format.js';

/** `rtk-workbench experiments [--json]`: the experiments in the workbench, newest first. */
export async function experimentsCommand(values: HostFlags & { readonly json: boolean }): Promise<number> {
  return withCliHost(values, async (host) => {
    const experiments = await host.services.handlers.listExperiments({});
    if (values.json) {
      console.log(JSON.stringify(experiments, null, 2));
    } else if (experiments.length === 0) {
      console.log(
        'No experiments yet. Start one with `rtk-workbench train SPEC.json` or `rtk-workbench demo`.',
      );
    } else {
      console.log(
        formatTable(
          ['Id', 'Name', 'Dataset', 'Status', 'Runs', 'Created'],
          experiments.map((experiment) => [
            shortId(experiment.id),
            experiment.name,
            experiment.datasetName,
            experiment.status,
            String(experiment.runCount),
            experiment.createdAt.slice(0, 16).replace('T', ' '),
          ]),
          new Set([4]),
        ),
      );
    }
    return 0;
  });
}
