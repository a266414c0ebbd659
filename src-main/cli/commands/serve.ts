import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startLabServer } from '../../server/lab-server.js';
import { openWorkbenchHost } from '../../services/workbench-host.js';
import { resolveHomeDirectory } from '../../services/workbench-home.js';
import { UsageError, parseBackendFlag, parsePortFlag } from '../cli-arguments.js';

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

/**
 * `rtk-workbench serve [--home DIR] [--host ADDRESS] [--port N] [--backend NAME] [--browse-root DIR]...`: lab
 * mode, the workbench in a browser. Runs until interrupted.
 */
export async function serveCommand(argumentList: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argumentList,
    options: {
      home: { type: 'string' },
      host: { type: 'string', default: '127.0.0.1' },
      port: { type: 'string' },
      backend: { type: 'string' },
      'browse-root': { type: 'string', multiple: true },
    },
    strict: true,
  });
  const homeDirectory = resolveHomeDirectory(values.home);
  const host = openWorkbenchHost({
    homeDirectory,
    mode: 'lab',
    forcedBackend: parseBackendFlag(values.backend),
    extraBrowseRoots: parseBrowseRoots(values['browse-root']),
  });
  const server = await startLabServer({
    services: host.services,
    rendererDirectory: builtRendererDirectory(),
    host: values.host,
    port: parsePortFlag(values.port, 8765),
  });
  console.log(`RTK Workbench lab mode: ${server.urlWithToken}`);
  console.log(`Workbench home: ${homeDirectory}. Press Ctrl+C to stop.`);
  host.services.startQueue();
  void host.services.warmUp();
  await new Promise<void>((resolveStop) => {
    process.once('SIGINT', () => resolveStop());
    process.once('SIGTERM', () => resolveStop());
  });
  await server.close();
  await host.close();
  return 0;
}
