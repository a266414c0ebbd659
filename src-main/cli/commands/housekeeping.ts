import { createInterface } from 'node:readline';
import { describeValidationError } from '../../../src-shared/contracts/dispatch.js';
import { renameArgumentsSchema } from '../../../src-shared/contracts/deletion-types.js';
import type {
  DeletableKind,
  DeletionOutcome,
  RenamableKind,
} from '../../../src-shared/contracts/deletion-types.js';
import type { WorkbenchHost } from '../../services/workbench-host.js';
import { UsageError } from '../cli-arguments.js';
import { printListing, resolveStoredId, withCliHost } from '../cli-host.js';
import type { JsonHostFlags } from '../cli-host.js';
import { formatDeletionOutcome, formatDeletionPlan, formatEntry } from '../output/deletion-format.js';
import { formatTable, formatTimestamp, shortId } from '../output/text-format.js';

/** The options of every `… delete` command, as the command table parses them. */
export interface DeleteFlags extends JsonHostFlags {
  readonly yes: boolean;
  readonly 'with-dependents'?: boolean;
  readonly 'with-export-folders'?: boolean;
}

/** Asks a yes/no question on the terminal; anything but y or yes (or the input ending) is no. */
async function confirm(question: string): Promise<boolean> {
  const lines = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  try {
    const answer = await new Promise<string>((resolve) => {
      lines.question(question, resolve);
      lines.once('close', () => resolve(''));
    });
    return /^\s*y(es)?\s*$/i.test(answer);
  } finally {
    lines.close();
  }
}

function deleteCall(host: WorkbenchHost, kind: DeletableKind) {
  const handlers = host.services.handlers;
  switch (kind) {
    case 'dataset':
      return handlers.deleteDataset;
    case 'experiment':
      return handlers.deleteExperiment;
    case 'run':
      return handlers.deleteRun;
    case 'export':
      return handlers.deleteExport;
    case 'teacher':
      return handlers.deleteTeacher;
  }
}

/**
 * `rtk-workbench <kind> delete ID`: shows what would go, asks on a terminal (or goes ahead with --yes), then
 * deletes. A deletion the plan refuses exits 1 with the reasons; without --yes and without a terminal to ask
 * on, it exits 2 after the preview, so a script never waits for an answer.
 */
export async function deleteCommand(
  kind: DeletableKind,
  typed: string,
  values: DeleteFlags,
): Promise<number> {
  return withCliHost(values, async (host) => {
    const id = resolveStoredId(host, kind, typed);
    const options = {
      withDependents: values['with-dependents'] ?? false,
      exportFolders: values['with-export-folders'] ?? false,
    };
    const plan = await host.services.handlers.describeDeletion({ kind, id, ...options });
    if (!plan.allowed) {
      console.error(formatDeletionPlan(plan));
      throw new Error(
        plan.blockers.length > 0
          ? `${formatEntry(plan.target)} cannot be deleted now (see above). Nothing was deleted.`
          : `other things depend on ${formatEntry(plan.target)} (listed above); add --with-dependents to ` +
              'delete them with it. Nothing was deleted.',
      );
    }
    if (!values.yes) {
      console.error(formatDeletionPlan(plan));
      if (process.stdin.isTTY !== true) {
        console.error(
          'Nothing was deleted: there is no terminal to confirm on. Add --yes to delete without asking.',
        );
        return 2;
      }
      if (!(await confirm(`Delete ${formatEntry(plan.target)} and everything listed above? [y/N] `))) {
        console.error('Nothing was deleted.');
        return 1;
      }
    }
    const outcome: DeletionOutcome = await deleteCall(host, kind)({ id, ...options });
    console.log(values.json ? JSON.stringify(outcome, null, 2) : formatDeletionOutcome(outcome));
    return 0;
  });
}

/** `rtk-workbench <kind> rename ID NAME`: a new name, trimmed, 1 to 200 characters. */
export async function renameCommand(
  kind: RenamableKind,
  typed: string,
  name: string,
  values: JsonHostFlags,
): Promise<number> {
  const checked = renameArgumentsSchema.safeParse({ id: typed, name });
  if (!checked.success)
    throw new UsageError(`NAME: ${describeValidationError(checked.error).replace(/^name: /, '')}.`);
  return withCliHost(values, async (host) => {
    const id = resolveStoredId(host, kind, typed);
    const request = { id, name: checked.data.name };
    const handlers = host.services.handlers;
    const renamed =
      kind === 'dataset'
        ? await handlers.renameDataset(request)
        : kind === 'experiment'
          ? await handlers.renameExperiment(request)
          : kind === 'export'
            ? await handlers.renameExport(request)
            : await handlers.renameTeacher(request);
    console.log(
      values.json ? JSON.stringify(renamed, null, 2) : `Renamed ${kind} ${shortId(id)} to "${renamed.name}".`,
    );
    return 0;
  });
}

/** `rtk-workbench exports [--run ID]`: the exports on record, newest first. */
export async function exportsCommand(
  values: JsonHostFlags & { readonly run: string | undefined },
): Promise<number> {
  return withCliHost(values, async (host) => {
    const runId = values.run === undefined ? undefined : resolveStoredId(host, 'run', values.run);
    printListing(
      await host.services.handlers.listExports(runId === undefined ? {} : { runId }),
      values.json,
      'No exports yet. Export a finished run with `rtk-workbench export RUN --out DIR --format onnx`.',
      (exports) =>
        formatTable(
          ['Id', 'Name', 'Run', 'Format', 'Precision', 'Made', 'Folder'],
          exports.map((exported) => [
            shortId(exported.id),
            exported.name,
            shortId(exported.runId),
            exported.format,
            exported.precision,
            formatTimestamp(exported.createdAt),
            exported.directory,
          ]),
        ),
    );
    return 0;
  });
}
