import { fileURLToPath } from 'node:url';
import { startLabServer } from '../../server/lab-server.js';
import { openCliHost } from '../cli-host.js';
import type { HostFlags } from '../cli-host.js';

/** The built renderer, next to the built main process. */
export function builtRendererDirectory(): string {
  const fromBuild = import.meta.url.includes('/build/');
  return fileURLToPath(
    new URL(fromBuild ? '../../../renderer/' : '../../../build/renderer/', import.meta.url),
  );
}

/** `rtk-workbench serve`: lab mode, the workbench in a browser. Runs until interrupted. */
export async function serveCommand(
  values: HostFlags & { readonly host: string; readonly port: number },
): Promise<number> {
  const { host, homeDirectory } = openCliHost(values);
  const server = await startLabServer({
    services: host.services,
    rendererDirectory: builtRendererDirectory(),
    host: values.host,
    port: values.port,
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
