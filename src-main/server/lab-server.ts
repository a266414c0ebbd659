import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import type { WorkbenchServices } from '../services/workbench-services.js';
import { answerApiCall } from './api-calls.js';
import { createEventSocketEndpoint } from './event-socket.js';
import {
  allowedAuthorities,
  authority,
  checkListenHost,
  checkRequest,
  requestUrl,
} from './request-checks.js';
import type { ServerIdentity } from './request-checks.js';
import { answerFailure, answerUnparsable } from './responses.js';
import { serveRendererFile } from './static-files.js';

/** How to start the lab server. */
export interface LabServerOptions {
  readonly services: WorkbenchServices;
  /** The built renderer (index.html and assets). */
  readonly rendererDirectory: string;
  readonly host?: string;
  readonly port?: number;
  /** A fixed token, for tests; a random one is made otherwise. */
  readonly token?: string;
  readonly log?: (line: string) => void;
}

/** A running lab server. */
export interface LabServer {
  readonly url: string;
  /** The URL with the token, the one to open in a browser. */
  readonly urlWithToken: string;
  readonly token: string;
  readonly host: string;
  readonly port: number;
  close(): Promise<void>;
}

const loopbackHosts = new Set(['127.0.0.1', 'localhost', '::1']);

function warnIfReachable(host: string, log: (line: string) => void): void {
  if (loopbackHosts.has(host)) return;
  log(
    `Warning: the lab server listens on ${host}, reachable from other machines. Anyone with the token can ` +
      `read and change this workbench; share the URL only with people you trust.`,
  );
}

function listen(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolveListen, rejectListen) => {
    server.once('error', rejectListen);
    server.listen(port, host, () => {
      server.off('error', rejectListen);
      resolveListen((server.address() as AddressInfo).port);
    });
  });
}

/** The request listener: checks, then the API or the renderer; whatever throws becomes the answer. */
function requestHandler(
  options: LabServerOptions,
  rendererDirectory: string,
  identity: ServerIdentity,
  log: (line: string) => void,
): (request: IncomingMessage, response: ServerResponse) => void {
  const answer = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const url = requestUrl(request);
    checkRequest(request, url, identity);
    if (url.pathname.startsWith('/api/')) {
      await answerApiCall(request, response, url, options.services);
    } else {
      serveRendererFile(request, response, url, rendererDirectory, identity, log);
    }
  };
  return (request, response) => {
    answer(request, response).catch((error: unknown) => answerFailure(response, error, log));
  };
}

/**
 * Serves the renderer and the workbench API over HTTP + WebSocket for lab mode and the end-to-end tests. Every
 * request must name this server in Host, come from its own page if it has an Origin, and carry the per-start
 * token (from the printed URL, then a cookie); a malformed request is refused, never a crash.
 */
export async function startLabServer(options: LabServerOptions): Promise<LabServer> {
  const host = options.host ?? '127.0.0.1';
  checkListenHost(host);
  const token = options.token ?? randomBytes(24).toString('hex');
  const log = options.log ?? ((line: string) => console.log(line));
  warnIfReachable(host, log);
  // Listeners are attached right after listen resolves, before the event loop can accept a connection.
  const server = createServer();
  const port = await listen(server, host, options.port ?? 0);
  const identity: ServerIdentity = {
    port,
    authorities: allowedAuthorities(host, port),
    token,
    cookieName: `rtk_workbench_token_${port}`,
  };
  const rendererDirectory = resolve(options.rendererDirectory);
  server.on('request', requestHandler(options, rendererDirectory, identity, log));
  server.on('clientError', answerUnparsable);
  const eventSocket = createEventSocketEndpoint(options.services.events, identity, log);
  server.on('upgrade', eventSocket.handleUpgrade);
  const url = `http://${authority(host, port)}/`;
  return {
    url,
    urlWithToken: `${url}?token=${token}`,
    token,
    host,
    port,
    close: async () => {
      eventSocket.close();
      server.closeAllConnections();
      await new Promise<void>((resolveClose) => server.close(() => resolveClose()));
    },
  };
}
