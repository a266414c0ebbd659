import type { z } from 'zod';
import { importDatasetArgumentsSchema } from '../../../src-shared/contracts/api.js';
import type { CallArguments, CallInput, ImportOutcome } from '../../../src-shared/contracts/api.js';
import type { DatasetSummary } from '../../../src-shared/contracts/domain-types.js';
import { UsageError } from '../cli-arguments.js';
import { withCliHost } from '../cli-host.js';
import type { HostFlags } from '../cli-host.js';
import { formatImportProgress } from '../output/progress-format.js';
import { ProgressPrinter } from '../output/progress-printer.js';
import { formatCount, formatDuration } from '../output/text-format.js';

type ImportFormat = z.infer<typeof importDatasetArgumentsSchema>['format'];

/** The command-line spelling of each argument of an import, for messages. */
const flagOfArgument: Readonly<Record<string, string>> = {
  source: 'PATH',
  format: '--format',
  name: '--name',
  size: '--size',
  channels: '--channels',
  validationFraction: '--val-fraction',
};

/** Checks the arguments with the same schema the API uses, so the CLI refuses exactly what the API refuses. */
function checkedRequest(request: CallInput<'importDataset'>): CallArguments<'importDataset'> {
  const parsed = importDatasetArgumentsSchema.safeParse(request);
  if (parsed.success) return parsed.data;
  throw new UsageError(
    parsed.error.issues
      .map((issue) => `${flagOfArgument[String(issue.path[0])] ?? 'arguments'}: ${issue.message}.`)
      .join(' '),
  );
}

/** A dataset's summary as lines for a terminal. */
export function formatDatasetSummary(dataset: DatasetSummary): string {
  return [
    `Dataset ${dataset.name} (${dataset.id})`,
    `  format ${dataset.format}, ${dataset.imageHeight}x${dataset.imageWidth}x${dataset.channels}, ${dataset.classCount} classes`,
    `  ${formatCount(dataset.trainCount)} training images, ${formatCount(dataset.testCount)} test images`,
  ].join('\n');
}

function printOutcome(outcome: ImportOutcome, json: boolean): void {
  if (json) {
    console.log(JSON.stringify(outcome, null, 2));
    return;
  }
  if (outcome.alreadyImported) {
    console.log('Identical content was imported before; the existing dataset is used, nothing was added.');
  }
  console.log(formatDatasetSummary(outcome.dataset));
  console.log(`  imported in ${formatDuration(outcome.seconds)}`);
}

/** `rtk-workbench import PATH`: imports a dataset file, folder or archive into the workbench, with progress on stderr. */
export async function importCommand(
  source: string,
  values: HostFlags & {
    readonly format: ImportFormat;
    readonly name: string | undefined;
    readonly size: number | undefined;
    readonly channels: '1' | '3' | undefined;
    readonly 'val-fraction': number | undefined;
    readonly json: boolean;
  },
): Promise<number> {
  const { format, size, channels } = values;
  const validationFraction = values['val-fraction'];
  const request = checkedRequest({
    source,
    format,
    ...(values.name === undefined ? {} : { name: values.name }),
    ...(size === undefined ? {} : { size }),
    ...(channels === undefined ? {} : { channels: channels === '1' ? 1 : 3 }),
    ...(validationFraction === undefined ? {} : { validationFraction }),
  });
  return withCliHost(values, async (host) => {
    const printer = new ProgressPrinter(process.stderr, 1_000);
    let phase = '';
    const unsubscribe = host.services.events.subscribe((name, payload) => {
      if (name !== 'onImportProgress') return;
      const progress = payload as Parameters<typeof formatImportProgress>[0];
      const changed = progress.phase !== phase;
      phase = progress.phase;
      printer.update(formatImportProgress(progress), changed || progress.done === progress.total);
    });
    try {
      const outcome = await host.services.handlers.importDataset(request);
      printer.finish();
      printOutcome(outcome, values.json);
      return 0;
    } finally {
      unsubscribe();
      printer.finish();
    }
  });
}
