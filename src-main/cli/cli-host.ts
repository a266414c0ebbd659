import type { BackendName } from '../../src-shared/contracts/engine-status.js';
import { openWorkbenchHost } from '../services/workbench-host.js';
import type { WorkbenchHost } from '../services/workbench-host.js';
import { resolveHomeDirectory } from '../services/workbench-home.js';

/** The options of every command that opens the workbench home. */
export interface HostFlags {
  readonly home: string | undefined;
  readonly backend?: BackendName | undefined;
}

/** Opens the workbench home a command works on; the caller closes the host. */
export function openCliHost(flags: HostFlags): { host: WorkbenchHost; homeDirectory: string } {
  const homeDirectory = resolveHomeDirectory(flags.home);
  const host = openWorkbenchHost({ homeDirectory, mode: 'lab', forcedBackend: flags.backend ?? null });
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
