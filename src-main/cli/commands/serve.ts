import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startLabServer } from '../../server/lab-server.js';
import { HomeInUseError } from '../../services/home-ownership.js';
import { openWorkbenchHost } from '../../services/workbench-host.js';
import { resolveHomeDirectory } from '../../services/workbench-home.js';
import { parseBackendFlag, parsePortFlag } from '../cli-arguments.js';

/** The built renderer, next to the built main process. */
export function builtRendererDirectory(): string {
  const fromBuild = import.meta.url.includes('/build/');
  return fileURLToPath(
    new URL(fromBuild ? '../../../renderer/' : '../../../build/renderer/', import.meta.url),
  );
}

/**
 * `rtk-workbench serve [--home DIR] [--host ADDRESS] [--port N] [--backend NAME]`: lab mode, the workbench in a
 * browser. Runs until interrupted.
 */
export async function serveCommand(argumentList: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argumentList,
    options: {
      home: { type: 'string' },
      host: { type: 'string', default: '127.0.0.1' },
      port: { type: 'string' },
      backend: { type: 'string' },
    },
    strict: true,
  });
  const homeDirectory = resolveHomeDirectory(values.home);
  const host = openWorkbenchHost({
    homeDirectory,
    mode: 'lab',
    forcedBackend: parseBackendFlag(values.backend),
  });
  const server = await startLabServer({
    services: host.services,
    rendererDirectory: builtRendererDirectory(),
    host: values.host,
    port: parsePortFlag(values.port, 8765),
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
