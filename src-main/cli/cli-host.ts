import { openWorkbenchHost } from '../services/workbench-host.js';
import type { WorkbenchHost } from '../services/workbench-host.js';
import { resolveHomeDirectory } from '../services/workbench-home.js';
import { parseBackendFlag } from './cli-arguments.js';

/** The flags every workbench command shares. */
export interface HostFlags {
  readonly home?: string | undefined;
  readonly backend?: string | undefined;
}

/** The parseArgs options of the shared flags. */
export const hostOptions = {
  home: { type: 'string' },
  backend: { type: 'string' },
} as const;

/** Opens the workbench home a command works on; the caller closes the host. */
export function openCliHost(flags: HostFlags): { host: WorkbenchHost; homeDirectory: string } {
  const homeDirectory = resolveHomeDirectory(flags.home);
  const forcedBackend = parseBackendFlag(flags.backend);
  const host = openWorkbenchHost({ homeDirectory, mode: 'lab', forcedBackend });
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
