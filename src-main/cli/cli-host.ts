import type { BackendName } from '../../src-shared/contracts/engine-status.js';
import { demoSizeFromEnvironment } from '../services/demo-service.js';
import { openWorkbenchHost } from '../services/workbench-host.js';
import type { WorkbenchHost } from '../services/workbench-host.js';
import { resolveHomeDirectory } from '../services/workbench-home.js';
import { resolveIdPrefix } from './cli-arguments.js';

/** The options of every command that opens the workbench home. */
export interface HostFlags {
  readonly home: string | undefined;
  readonly backend?: BackendName | undefined;
}

/** The options of a command that opens the workbench home and can print its result as JSON. */
export type JsonHostFlags = HostFlags & { readonly json: boolean };

/** Opens the workbench home a command works on; the caller closes the host. */
export function openCliHost(
  flags: HostFlags,
  options: { readonly extraBrowseRoots?: readonly string[] } = {},
): { host: WorkbenchHost; homeDirectory: string } {
  const homeDirectory = resolveHomeDirectory(flags.home);
  const host = openWorkbenchHost({
    homeDirectory,
    mode: 'lab',
    forcedBackend: flags.backend ?? null,
    demoSize: demoSizeFromEnvironment(),
    ...options,
  });
  return { host, homeDirectory };
}

/** Runs `work` with the workbench home open, and closes it (and its worker) afterwards. */
export async function withCliHost<Result>(
  flags: HostFlags,
  work: (host: WorkbenchHost, homeDirectory: string) => Promise<Result>,
): Promise<Result> {
  const { host, homeDirectory } = openCliHost(flags);
  try {
    return await work(host, homeDirectory);
  } finally {
    await host.close();
  }
}

/** The id of the thing a user typed in full or by its first characters; throws if none or several match. */
export function resolveStoredId(
  host: WorkbenchHost,
  kind: 'run' | 'experiment' | 'dataset' | 'export' | 'teacher',
  typed: string,
): string {
  const store = host.store;
  const ids =
    kind === 'run'
      ? store.runs.list().map((run) => run.id)
      : kind === 'experiment'
        ? store.experiments.list().map((experiment) => experiment.id)
        : kind === 'dataset'
          ? store.datasets.list().map((dataset) => dataset.id)
          : kind === 'export'
            ? store.exports.list().map((exported) => exported.id)
            : store.teachers.list().map((teacher) => teacher.record.id);
  return resolveIdPrefix(typed, ids, kind);
}

/** Prints what a listing command found: one JSON document, a hint when there is nothing yet, or a table. */
export function printListing<Item>(
  items: readonly Item[],
  json: boolean,
  emptyHint: string,
  formatText: (items: readonly Item[]) => string,
): void {
  if (json) console.log(JSON.stringify(items, null, 2));
  else console.log(items.length === 0 ? emptyHint : formatText(items));
}
