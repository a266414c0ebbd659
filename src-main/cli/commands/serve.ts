import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startLabServer } from '../../server/lab-server.js';
import { HomeInUseError } from '../../services/home-ownership.js';
import { UsageError } from '../cli-arguments.js';
import { openCliHost } from '../cli-host.js';
import type { HostFlags } from '../cli-host.js';

/** The built renderer, next to the built main process. */
export function builtRendererDirectory(): string {
  const fromBuild = import.meta.url.includes('/build/');
  return fileURLToPath(
    new URL(fromBuild ? '../../../renderer/' : '../../../build/renderer/', import.meta.url),
  );
}

/** Validates the `--browse-root` folders: each must exist and be a folder; they come back as full paths. */
export function parseBrowseRoots(values: readonly string[] | undefined): string[] {
  return (values ?? []).map((value) => {
    const folder = resolve(value);
    if (statSync(folder, { throwIfNoEntry: false })?.isDirectory() !== true)
      throw new UsageError(`--browse-root must name an existing folder; ${folder} is not one.`);
    return folder;
  });
}

/** `rtk-workbench serve`: lab mode, the workbench in a browser. Runs until interrupted. */
export async function serveCommand(
  values: HostFlags & {
    readonly host: string;
    readonly port: number;
    readonly 'browse-root': readonly string[];
  },
): Promise<number> {
  const extraBrowseRoots = parseBrowseRoots(values['browse-root']);
  const { host, homeDirectory } = openCliHost(values, { extraBrowseRoots });
  const server = await startLabServer({
    services: host.services,
    rendererDirectory: builtRendererDirectory(),
    host: values.host,
    port: values.port,
  });
  const claim = host.services.claimHome('serve', `rtk-workbench serve at ${server.url}`);
  if (!claim.claimed) {
    await server.close();
    await host.close();
    throw new HomeInUseError(homeDirectory, claim.owner);
  }
  // Listening before anything else happens: a stop request that arrives early still closes cleanly.
  const stopped = new Promise<void>((resolveStop) => {
    process.once('SIGINT', () => resolveStop());
    process.once('SIGTERM', () => resolveStop());
  });
  console.log(`RTK Workbench lab mode: ${server.urlWithToken}`);
  console.log(`Workbench home: ${homeDirectory}. Press Ctrl+C to stop.`);
  void host.services.warmUp();
  await stopped;
  await server.close();
  await host.close();
  return 0;
}
