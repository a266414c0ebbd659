import { parseArgs } from 'node:util';
import { importDatasetArgumentsSchema } from '../../../src-shared/contracts/api.js';
import type { CallArguments, CallInput, ImportOutcome } from '../../../src-shared/contracts/api.js';
import type { DatasetSummary } from '../../../src-shared/contracts/domain-types.js';
import { parseChoiceFlag, parseNumberFlag, requirePositional, UsageError } from '../cli-arguments.js';
import { hostOptions, withCliHost } from '../cli-host.js';
import { formatImportProgress } from '../output/progress-format.js';
import { ProgressPrinter } from '../output/progress-printer.js';
import { formatCount, formatDuration } from '../output/text-format.js';

const usage =
  'rtk-workbench import PATH [--format auto|cifar10|cifar100|svhn|cinic10|folder|idx] [--name NAME] [--size 32] ' +
  '[--channels 1|3] [--val-fraction 0.1] [--json] [--home DIR]';

const formats = importDatasetArgumentsSchema.shape.format.unwrap().options;

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
export async function importCommand(argumentList: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argumentList,
    options: {
      format: { type: 'string', default: 'auto' },
      name: { type: 'string' },
      size: { type: 'string' },
      channels: { type: 'string' },
      'val-fraction': { type: 'string' },
      json: { type: 'boolean', default: false },
      ...hostOptions,
    },
    allowPositionals: true,
    strict: true,
  });
  const source = requirePositional(positionals, 'the dataset file or folder', usage);
  const format = parseChoiceFlag('format', values.format, formats) ?? 'auto';
  const size = parseNumberFlag('size', values.size, { minimum: 8, maximum: 1024, integer: true });
  const channels = parseChoiceFlag('channels', values.channels, ['1', '3'] as const);
  const validationFraction = parseNumberFlag('val-fraction', values['val-fraction'], {
    minimum: 0,
    maximum: 0.99,
    integer: false,
  });
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
